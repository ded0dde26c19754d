/**
 * A relay to a server on this machine: every connection is piped to `upstream` (host:port), in plain TCP or behind
 * TLS with the given certificate — a registry on another port, or the same registry served over HTTPS.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export interface Relay {
  port: number;
  connections(): number;
  /** Stops listening and ends every open connection. */
  close(): Promise<void>;
}

export async function startRelay(
  upstream: string,
  options: { tls?: { key: Buffer; cert: Buffer }; ports?: number[] } = {},
): Promise<Relay> {
  const [host, port] = upstream.split(':');
  let connections = 0;
  const open = new Set<Socket>();
  const pipe = (client: Socket) => {
    connections++;
    const toUpstream = connect(Number(port), host);
    for (const s of [client, toUpstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    client.pipe(toUpstream).pipe(client);
    const close = () => {
      client.destroy();
      toUpstream.destroy();
    };
    client.on('error', close);
    toUpstream.on('error', close);
  };
  const server: Server = options.tls ? createTlsServer(options.tls, pipe) : createServer(pipe);
  server.on('tlsClientError', () => {}); // a client refusing the certificate: its own error tells
  // The first of `ports` that is free here (any port without them).
  let listening: number | undefined;
  for (const candidate of options.ports ?? [0]) {
    listening = await new Promise<number | undefined>((done) => {
      server.once('error', () => done(undefined));
      server.listen(candidate, '127.0.0.1', () => done((server.address() as AddressInfo).port));
    });
    if (listening !== undefined) break;
  }
  if (listening === undefined) throw new Error(`none of the ports ${options.ports?.join(', ')} is free here`);
  return {
    port: listening,
    connections: () => connections,
    // Open connections end too (a server that went away), not only new ones refused.
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        for (const s of open) s.destroy();
      }),
  };
}
