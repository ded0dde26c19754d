/**
 * Settings every AWS SDK client of ours is made with: its requests go through the proxy the environment names
 * (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), read as the lean S3 client and the registry client read it. The SDK
 * ignores those variables; behind a company proxy an ECR login (ECR, STS) failed to connect while S3 copied.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { anyProxyConfigured, proxyFor, proxyUrlFor, tunnelRefusedError } from '../../core/http-proxy-env.js';
import { UNREACHABLE_CODES } from '../unreachable-codes.js';

/**
 * A failure to connect while a request went through a proxy is the proxy's (the endpoint is the proxy's to reach):
 * marked `viaProxy` (its URL without credentials) and `endpoint`, as the lean S3 client marks it, so that the words
 * name the proxy, not the region.
 */
class ProxyingHandler extends NodeHttpHandler {
  override async handle(...[request, options]: Parameters<NodeHttpHandler['handle']>) {
    try {
      return await super.handle(request, options);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code && UNREACHABLE_CODES.has(code)) {
        const port = request.port ? `:${request.port}` : '';
        const proxy = proxyFor(new URL(`${request.protocol}//${request.hostname}${port}`));
        if (proxy) Object.assign(err as object, { viaProxy: proxy.label, endpoint: request.hostname });
      }
      throw err;
    }
  }
}

/**
 * `{ requestHandler }` choosing the proxy per request (NO_PROXY applies to each endpoint), or nothing when no proxy
 * variable is set: the SDK's own handler then, unchanged. Spread into a client's configuration.
 */
export function sdkProxySettings(): { requestHandler?: NodeHttpHandler } {
  if (!anyProxyConfigured()) return {};
  // The agent is made on the first request (the handler takes its options as a provider): proxy-agent is loaded,
  // ~45 ms of CPU, only by a process that has a proxy to use.
  const agents = async () => {
    const { ProxyAgent } = await import('proxy-agent');
    /**
     * proxy-agent answers a refused CONNECT (502, 403, 407…) by replaying the proxy's answer as the endpoint's, which
     * the SDK read as an unknown error of the service ("Unknown"): here the refusal is the proxy's error instead.
     */
    class TunnelCheckingAgent extends ProxyAgent {
      override async connect(...[req, opts]: Parameters<InstanceType<typeof ProxyAgent>['connect']>) {
        // The tunnel is opened later, by the per-proxy agent this returns; its answer comes as the request's event.
        // (An http:// endpoint's request is forwarded, not tunnelled: its agent's event carries no answer.)
        req.once('proxyConnect', (answer: { statusCode?: number }) => {
          if (!opts.secureEndpoint || typeof answer?.statusCode !== 'number' || answer.statusCode === 200) return;
          const authority = `${opts.host}:${opts.port}`;
          const proxy = proxyFor(new URL(`https://${authority}`));
          const refused = tunnelRefusedError(proxy ?? { label: 'the proxy' }, authority, String(answer.statusCode));
          req.destroy(Object.assign(refused, { endpoint: opts.host }));
        });
        return super.connect(req, opts);
      }
    }
    const agent = new TunnelCheckingAgent({
      keepAlive: true,
      getProxyForUrl: (url) => proxyUrlFor(new URL(url))?.href ?? '',
    });
    return { httpAgent: agent, httpsAgent: agent };
  };
  return { requestHandler: new ProxyingHandler(agents) };
}
