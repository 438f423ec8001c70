/** Time enters through this interface; the simulated clock refuses to go backwards (as xstate's does). */
export interface Clock {
  now(): number;
}

export class VirtualClock implements Clock {
  private t = 0;

  now(): number {
    return this.t;
  }

  advanceTo(t: number): void {
    if (t < this.t) throw new Error(`virtual clock cannot travel back in time: ${t} < ${this.t}`);
    this.t = t;
  }
}
