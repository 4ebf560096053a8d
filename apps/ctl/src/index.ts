export { main } from './main';
export { output, table } from './output';
