/**
 * Writes an OCI image layout with N small single-platform images, no docker needed:
 * each image = one base layer shared by all (so registries can skip it) + one layer of its own.
 * Layers are gzip'd tar files with one file each; diff_ids are the sha256 of the uncompressed tar.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A one-file ustar archive. */
function tarOf(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 8, 'ascii');
  header.write('0000000\0', 108, 8, 'ascii');
  header.write('0000000\0', 116, 8, 'ascii');
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  header.write('00000000000\0', 136, 12, 'ascii');
  header.write('        ', 148, 8, 'ascii');
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512, 0);
  return Buffer.concat([header, data, pad, Buffer.alloc(1024, 0)]);
}

interface Blob {
  digest: string;
  size: number;
}

function putBlob(dir: string, content: Buffer): Blob {
  const digest = sha256(content);
  writeFileSync(join(dir, 'blobs/sha256', digest), content);
  return { digest: `sha256:${digest}`, size: content.length };
}

function layer(dir: string, name: string, data: Buffer): { blob: Blob; diffId: string } {
  const tar = tarOf(name, data);
  return { blob: putBlob(dir, gzipSync(tar, { level: 1 })), diffId: `sha256:${sha256(tar)}` };
}

/** Writes the layout and returns the tags (`img00` … ) it holds. */
export function writeOciLayout(dir: string, count: number, baseBytes: number, ownBytes: number): string[] {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const base = layer(dir, 'base.bin', randomBytes(baseBytes));
  const manifests: unknown[] = [];
  const tags: string[] = [];
  for (let i = 0; i < count; i++) {
    const tag = `img${String(i).padStart(2, '0')}`;
    const own = layer(dir, `app-${i}.bin`, randomBytes(ownBytes));
    const config = putBlob(
      dir,
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Cmd: ['/app'], Labels: { 'bench.image': tag } },
          rootfs: { type: 'layers', diff_ids: [base.diffId, own.diffId] },
          history: [{ created_by: 'bench base' }, { created_by: `bench ${tag}` }],
        }),
      ),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [base.blob, own.blob].map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...b })),
      }),
    );
    const m = putBlob(dir, manifest);
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...m,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    });
    tags.push(tag);
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  return tags;
}
