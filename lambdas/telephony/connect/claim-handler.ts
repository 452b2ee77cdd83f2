/** Lambda entry of the secure-input flow's `claim` function (see handler.ts). */
export { claim as handler } from './handler';
