/** The liferaft target with five nodes, loadable by path (worker threads load targets by path). */
import { makeLiferaftTarget } from './index.js';

export default makeLiferaftTarget({ nodes: 5 });
