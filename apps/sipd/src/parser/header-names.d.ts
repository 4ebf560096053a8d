import { headerKey } from './message';
/** Name to store for a header written as `written` whose lookup key is `key`. */
export declare function storedName(written: string, key: string): string;
export { headerKey };
//# sourceMappingURL=header-names.d.ts.map