// proxy-addr (Express's own, behind `req.ip`) ships no types; only the call graphql-http makes is declared.
declare module 'proxy-addr' {
  function proxyAddr(
    req: import('node:http').IncomingMessage,
    trust: (address: string, hop: number) => boolean,
  ): string | undefined;
  export = proxyAddr;
}
