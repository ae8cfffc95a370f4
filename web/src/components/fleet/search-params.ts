// Reading a page's searchParams on the server.
export type SearchParams = Record<string, string | string[] | undefined>;

/** One value of a page's searchParams (the last when repeated). */
export function firstParam(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}
