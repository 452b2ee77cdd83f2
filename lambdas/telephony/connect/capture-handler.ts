/** Lambda entry of the secure-input flow's `capture` function (see handler.ts). */
export { capture as handler } from './handler';
