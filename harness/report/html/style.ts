/** The page's only stylesheet, inlined: a report must open from a CI artifact with no network. */
export const PAGE_CSS = String.raw`
*, *::before, *::after { box-sizing: border-box; }
:root { --row: 16px; --col: 120px; --gutter: 150px; font-family: system-ui, sans-serif; font-size: 13px; }
body { margin: 0; color: #1d232b; background: #fff; }
header { position: sticky; top: 0; z-index: 5; background: #f4f6f8; border-bottom: 1px solid #ccd3da; padding: 6px 10px; }
header h1 { font-size: 15px; margin: 0 0 4px 0; }
header .row { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 3px 0; }
header code { background: #fff; border: 1px solid #ccd3da; padding: 1px 4px; user-select: all; font-size: 12px; }
header .meta span b { font-weight: 600; }
.violation-text { color: #a4161a; }
button { font: inherit; padding: 1px 7px; cursor: pointer; }
#lanes label { white-space: nowrap; margin-right: 6px; }
#heads { position: sticky; z-index: 4; background: #fff; display: flex; border-bottom: 1px solid #ccd3da; }
#heads .gutter { flex: 0 0 var(--gutter); font-size: 11px; color: #5b6570; padding: 2px 4px; }
.lane-head { flex: 0 0 var(--col); text-align: center; font-weight: 600; padding: 2px 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; border-left: 1px solid #e4e8ec; }
.lane-head.sub { font-weight: 400; font-size: 11px; }
.lane-head.actor { color: #a4161a; background: #fff0f0; }
.lane-head button { font-size: 10px; padding: 0 3px; margin-left: 3px; }
#main { display: flex; }
#chart { flex: 1 1 auto; overflow: visible; }
#details { flex: 0 0 330px; position: sticky; top: 120px; align-self: flex-start; max-height: 80vh; overflow: auto; border-left: 1px solid #ccd3da; padding: 6px 10px; font-size: 12px; background: #fafbfc; }
#details table { border-collapse: collapse; }
#details td { padding: 1px 4px; vertical-align: top; word-break: break-all; }
#details td:first-child { color: #5b6570; white-space: nowrap; }
#details pre { white-space: pre-wrap; word-break: break-all; font-size: 11px; }
svg text { font-size: 10px; fill: #5b6570; }
svg text.note { fill: #a4161a; font-weight: 600; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.lane-line { stroke: #e4e8ec; }
.mark { stroke: #fff; stroke-width: 0.5; cursor: pointer; fill: #8a96a3; }
.mark.send { fill: #1c64b8; }
.mark.fire { fill: #2b8a3e; }
.mark.fault { fill: #d9480f; }
.mark.leader { fill: #e0a100; }
.mark.wake { fill: #7048e8; }
.mark.block { fill: #fff; stroke: #8a96a3; stroke-width: 1.2; }
.mark.hl { stroke: #a4161a; stroke-width: 2.5; }
.mark.selected { stroke: #000; stroke-width: 2.5; }
.link { stroke-width: 1.1; fill: none; }
.link.message { stroke: #1c64b8; }
.link.duplicate { stroke: #1c64b8; stroke-dasharray: 4 2; }
.link.dropped, .link.lost { stroke: #d9480f; stroke-dasharray: 2 2; }
.link.in-flight { stroke: #1c64b8; stroke-dasharray: 1 3; }
svg text.link-end { font-size: 12px; fill: #d9480f; }
svg text.link-end.in-flight { fill: #1c64b8; }
svg text.link-label { font-size: 9px; fill: #1c4f8a; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg text.mark-label { font-size: 8px; fill: #8a96a3; pointer-events: none; }
.link.wake { stroke: #7048e8; }
.link.publish { stroke: #e0a100; }
.link.handoff { stroke: #5b6570; stroke-dasharray: 1 2; }
.leadership { opacity: 0.28; }
.band.crash { fill: #343a40; opacity: 0.25; }
.band.pause { fill: #868e96; opacity: 0.18; }
.band.partition { fill: #ffa8a8; opacity: 0.22; }
.gap { stroke: #adb5bd; stroke-dasharray: 6 4; }
.violation-line { stroke: #a4161a; stroke-width: 1.5; }
#violation-marker { fill: #a4161a; cursor: pointer; }
.legend span { margin-right: 10px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 3px; vertical-align: middle; }
`;
