// fauxqs's own CLI binds 0.0.0.0; this wrapper keeps the local SQS on loopback
// and makes queue URLs http://127.0.0.1:PORT/000000000000/name.
import { buildApp } from 'fauxqs';
import { SqsStore } from '../node_modules/fauxqs/dist/sqs/sqsStore.js';
import { SnsStore } from '../node_modules/fauxqs/dist/sns/snsStore.js';
import { S3Store } from '../node_modules/fauxqs/dist/s3/s3Store.js';

const sqsStore = new SqsStore();
sqsStore.host = '';
const app = buildApp({ logger: false, stores: { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() } });
await app.listen({ port: Number(process.env.PORT ?? 4566), host: '127.0.0.1' });
