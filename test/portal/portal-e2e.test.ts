import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseParams, bucketPair, putSource, readObject } from '../s3/engine-fixtures.js';
import { registryDigest, seedImages } from '../ecr/image-fixtures.js';
import { servers } from '../support/servers.js';
import { CREATE, TEST_SECRET_VALUE, newDataDir, params, startHubProcess, type HubProcess } from '../control-plane/local/hub-process.js';

const SHOTS = 'test-output/screenshots';
let browser: Browser;
let hub: HubProcess;
let page: Page;

async function shot(name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function fill(label: string, value: string) {
  await page.getByLabel(label, { exact: true }).fill(value);
}

/** Opens the wizard afresh (a hash change alone would keep a wizard already on screen). */
async function openWizard() {
  await page.goto(hub.url + '/#/tasks');
  await page.goto(hub.url + '/#/create');
  await page.getByText('Choose what to transfer').first().waitFor();
}

async function next() {
  await page.getByRole('button', { name: 'Next', exact: true }).click();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The hub's secret store: S3 keys for s3rver and the login of the password-protected registry.
  const dataDir = newDataDir();
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify({
    s3rver: { access_key_id: 'S3RVER', secret_access_key: TEST_SECRET_VALUE },
    registry: { username: servers.registryUser, password: servers.registryPassword },
  }), { mode: 0o600 });
  hub = await startHubProcess(dataDir);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('console in a real browser against dth serve', () => {
  it('asks for the token, rejects a wrong one, then signs in', async () => {
    await page.goto(hub.url + '/');
    await fill('API token', 'not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The hub rejected this token.').waitFor();
    await shot('01-login');
    await fill('API token', hub.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Get started' }).waitFor();
    await shot('02-home');
  });

  it('shows an inline error for invalid input in the wizard', async () => {
    await openWizard();
    await shot('03-wizard-engine');
    await next();
    await fill('srcBucket', 'bad..bucket');
    await next();
    await page.getByText(/Source bucket \(srcBucket\): "bad\.\.bucket" is not a valid bucket name/).waitFor();
    await shot('04-wizard-invalid');
  });

  it('creates an S3 task through the wizard, estimates it, and watches it reach DONE with counts', async () => {
    const { src, dst } = await bucketPair();
    for (let i = 0; i < 5; i++) await putSource(src, `e2e/${i}.txt`, `browser ${i}`);
    await openWizard();
    await next();
    await fill('srcBucket', src);
    await fill('srcEndpoint', servers.s3Source);
    await page.getByLabel('srcCredentials').first().click();
    await page.getByRole('option', { name: 's3rver' }).click();
    await next();
    await fill('destBucket', dst);
    await fill('destEndpoint', servers.s3Dest);
    await page.getByText('Destination in this account', { exact: true }).click();
    await page.getByLabel('destCredentials').first().click();
    await page.getByRole('option', { name: 's3rver' }).click();
    await next();
    await fill('description', 'from the browser');
    await page.getByRole('button', { name: 'Estimate' }).click();
    await page.getByTestId('estimate').getByText(/Would copy 5 objects/).waitFor();
    await shot('05-wizard-settings-estimate');
    await next();
    await shot('06-wizard-review');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByTestId('task-status').getByText('DONE').waitFor({ timeout: 60_000 });
    await page.getByTestId('task-objects').getByText('5 / 5').waitFor();
    expect(await page.getByTestId('task-verified').textContent()).toBe('5');
    await shot('07-task-detail-done');
    expect((await readObject(servers.s3Dest, dst, 'e2e/4.txt')).toString()).toBe('browser 4');
  });

  it('creates an image task through the wizard into the password-protected registry (login from the secrets dropdown)', async () => {
    const { repository } = seedImages();
    await openWizard();
    await page.getByRole('radio', { name: 'Container images (Amazon ECR Transfer)' }).check();
    await next();
    await page.getByLabel('sourceType').first().click();
    await page.getByRole('option', { name: 'Public container registry' }).click();
    await page.locator('textarea').fill(`${repository}:v1`);
    await fill('srcRegistry', servers.registryOpen);
    await page.getByText('Plain HTTP registry (local testing only)').click();
    await next();
    await fill('destRegistry', servers.registryAuth);
    await fill('destPrefix', 'e2e-mirror');
    await page.getByLabel('destCredential').first().click();
    await page.getByRole('option', { name: 'registry' }).click();
    await next();
    await next();
    await shot('08-image-wizard-review');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByTestId('task-status').getByText('DONE').waitFor({ timeout: 60_000 });
    await shot('09-image-task-done');
    const creds = `${servers.registryUser}:${servers.registryPassword}`;
    expect(registryDigest(servers.registryAuth, `e2e-mirror/${repository}:v1`, creds)).toBe(registryDigest(servers.registryOpen, `${repository}:v1`));
    // The secret's value never reaches the page (the review and parameters show its name only).
    expect(await page.content()).not.toContain(servers.registryPassword);
  });

  it('stops a running task from the tasks list', async () => {
    const { src, dst } = await bucketPair();
    await putSource(src, 'a', 'a');
    const created = await hub.gql(CREATE, { input: { type: 'S3EC2', description: 'to stop', scheduleType: 'FIXED_RATE',
      parameters: params({ ...baseParams(src, dst), scheduleExpression: 'rate(1 hour)' }) } });
    const id = created.body.data.createTask.id;
    await page.goto(hub.url + '/#/');
    await page.goto(hub.url + '/#/tasks');
    const row = page.getByRole('row').filter({ hasText: id.slice(0, 8) });
    await row.getByText(/STARTING|IN_PROGRESS/).waitFor();
    await shot('10-task-list');
    await row.getByRole('checkbox').click();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await row.getByText('STOPPED').waitFor({ timeout: 30_000 });
    await shot('11-task-list-stopped');
    expect((await hub.gql(`query($id: ID!) { getTask(id: $id) { progress } }`, { id })).body.data.getTask.progress).toBe('STOPPED');
  });

  it('switches to Chinese', async () => {
    await page.goto(hub.url + '/#/');
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByText('开始使用').waitFor();
    await shot('12-home-zh');
    await page.getByRole('button', { name: 'English' }).click();
  });
});
