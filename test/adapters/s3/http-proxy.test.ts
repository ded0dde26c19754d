/** Which proxy an endpoint's requests use, from the environment (worker/core/http-proxy-env.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { proxyFor } from '../../../worker/core/http-proxy-env.js';
import { restoreProxyEnv, setProxyEnv } from '../../support/http-proxy.js';

afterEach(restoreProxyEnv);

const aws = new URL('https://bucket.s3.eu-west-1.amazonaws.com:443');

describe('proxyFor', () => {
  it('none set, or NO_PROXY matching (a domain suffix, or *): direct', () => {
    setProxyEnv({});
    expect(proxyFor(aws)).toBeUndefined();
    setProxyEnv({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.amazonaws.com' });
    expect(proxyFor(aws)).toBeUndefined();
    setProxyEnv({ https_proxy: 'http://p:3128', no_proxy: '*' });
    expect(proxyFor(aws)).toBeUndefined();
  });

  it('HTTPS_PROXY for https endpoints, HTTP_PROXY for http ones, ALL_PROXY for both; a login becomes Proxy-Authorization', () => {
    setProxyEnv({ HTTPS_PROXY: 'http://user:p%40ss@proxy.corp:3128', HTTP_PROXY: 'http://plain:8080' });
    expect(proxyFor(aws)).toEqual({
      host: 'proxy.corp',
      port: 3128,
      authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
      label: 'http://proxy.corp:3128',
    });
    expect(proxyFor(new URL('http://minio.lan:9000'))).toEqual({
      host: 'plain',
      port: 8080,
      label: 'http://plain:8080',
    });
    setProxyEnv({ ALL_PROXY: 'http://all:1' });
    expect(proxyFor(aws)?.host).toBe('all');
  });

  it('a proxy written without a scheme is http://, as curl and Go read it; an https:// proxy is refused by name', () => {
    setProxyEnv({ HTTPS_PROXY: 'proxy.corp:3128' });
    expect(proxyFor(aws)).toMatchObject({ host: 'proxy.corp', port: 3128, label: 'http://proxy.corp:3128' });
    setProxyEnv({ HTTPS_PROXY: 'https://proxy.corp:3129' });
    expect(() => proxyFor(aws)).toThrow(
      'the proxy for https://bucket.s3.eu-west-1.amazonaws.com must be an http:// URL (HTTPS_PROXY/HTTP_PROXY), not https://',
    );
  });
});
