// spdx-expression-parse ships no types; this is the part Fleetpack uses.
declare module 'spdx-expression-parse' {
  type SpdxNode =
    | { license: string; plus?: true; exception?: string }
    | { left: SpdxNode; conjunction: 'and' | 'or'; right: SpdxNode };
  function parse(source: string): SpdxNode;
  export default parse;
}
