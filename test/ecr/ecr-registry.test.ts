import { DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand, ListImagesCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EcrCatalog, SdkEcrTokenProvider } from '../../worker/adapters/ecr/ecr-registry.js';

// No local ECR exists: these assert the calls made, page by page.
describe('ECR adapters', () => {
  it('lists every repository and tag across pages', async () => {
    const ecr = mockClient(ECRClient);
    ecr.on(DescribeRepositoriesCommand, { nextToken: undefined }).resolves({ repositories: [{ repositoryName: 'a' }], nextToken: 'p2' });
    ecr.on(DescribeRepositoriesCommand, { nextToken: 'p2' }).resolves({ repositories: [{ repositoryName: 'b/c' }] });
    ecr.on(ListImagesCommand, { repositoryName: 'a', nextToken: undefined }).resolves({ imageIds: [{ imageTag: '1' }, { imageDigest: 'sha256:ab' }], nextToken: 't2' });
    ecr.on(ListImagesCommand, { repositoryName: 'a', nextToken: 't2' }).resolves({ imageIds: [{ imageTag: '2' }] });
    const catalog = new EcrCatalog(new ECRClient({ region: 'us-east-1' }), { registryId: '123456789012', includeUntagged: true });
    const repos: string[] = [];
    for await (const r of catalog.repositories()) repos.push(r);
    expect(repos).toEqual(['a', 'b/c']);
    expect(await catalog.tags('a')).toEqual(['1', 'sha256-ab', '2']);
    expect(ecr.commandCalls(ListImagesCommand)[0].args[0].input).toMatchObject({ registryId: '123456789012', filter: { tagStatus: 'ANY' } });
    ecr.restore();
  });

  it('turns an authorization token into a registry login', async () => {
    const ecr = mockClient(ECRClient);
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: Buffer.from('AWS:pw-from-ecr').toString('base64') }] });
    const login = await new SdkEcrTokenProvider().login('cn-north-1', '123456789012');
    expect(login).toEqual({ username: 'AWS', password: 'pw-from-ecr' });
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0].args[0].input).toEqual({ registryIds: ['123456789012'] });
    ecr.restore();
  });
});
