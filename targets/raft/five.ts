/** The bundled Raft target with five nodes, loadable by path (worker threads load targets by path). */
import { makeRaftTarget } from './index.js';

export default makeRaftTarget({ nodes: 5 });
