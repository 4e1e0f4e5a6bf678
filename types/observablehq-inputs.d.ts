// The part of @observablehq/inputs (which ships no types) that the components use.
declare module "@observablehq/inputs" {
  export interface TableOptions<T> {
    columns?: (keyof T & string)[];
    header?: Partial<Record<keyof T & string, string | Node>>;
    format?: Partial<Record<keyof T & string, (value: never, i: number, data: T[]) => string | Node>>;
    align?: Partial<Record<keyof T & string, "left" | "right" | "center">>;
    width?: Partial<Record<keyof T & string, string | number>> | number | string;
    sort?: keyof T & string;
    reverse?: boolean;
    rows?: number;
    maxHeight?: number;
    layout?: "auto" | "fixed";
    select?: boolean;
  }
  export function table<T extends object>(data: T[], options?: TableOptions<T>): HTMLFormElement;
}
