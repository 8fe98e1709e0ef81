// cidr-matcher ships no types; just what the benchmark uses.
declare module 'cidr-matcher' {
  export default class CidrMatcher {
    constructor(classes?: string[]);
    addNetworkClass(cidr: string): void;
    contains(address: string): boolean;
  }
}
