/**
 * Tunnels through the proxy the environment names (worker/core/http-proxy-env.ts): https:// endpoints through a
 * CONNECT tunnel, http:// ones as absolute-form requests (the client writes those).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type HttpProxy, tunnelRefusedError } from '../../core/http-proxy-env.js';

/** A proxy failure, shaped like a socket error so that retry advice reads it the same way, and marked as the proxy's. */
function proxyError(proxy: HttpProxy, code: string, message: string): Error {
  return Object.assign(new Error(`proxy ${proxy.label} ${message}`), { code, viaProxy: proxy.label });
}

/**
 * Opens a tunnel through `proxy` to host:port (HTTP CONNECT) and resolves with its socket once the proxy answered 200;
 * TLS then runs over it. Any other answer, a close or `timeoutMs` without one fails it.
 */
export function openTunnel(proxy: HttpProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const socket = netConnect({ host: proxy.host, port: proxy.port });
    let received = Buffer.alloc(0);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(proxyError(proxy, 'ETIMEDOUT', `did not open a tunnel to ${authority} in time`)),
      timeoutMs,
    );
    socket.once('connect', () => {
      const auth = proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '';
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`, 'latin1');
    });
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > 16 * 1024) fail(proxyError(proxy, 'EPROTO', 'sent an endless answer'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, end).toString('latin1'))?.[1];
      if (status !== '200') return fail(tunnelRefusedError(proxy, authority, status));
      socket.pause();
      const rest = received.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    const onClose = () => fail(proxyError(proxy, 'ECONNRESET', 'closed the connection'));
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('close', onClose);
  });
}
