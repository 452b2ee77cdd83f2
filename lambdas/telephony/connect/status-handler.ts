/** Lambda entry of the secure-input flow's `status` function (see handler.ts). */
export { status as handler } from './handler';
