// The chat benchmark's two targets: the scriptable fake OpenAI server (test/support/fake-openai.ts)
// called directly, and a dejavu app in front of it; both on 127.0.0.1, each reached over one
// keep-alive undici Client.
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'undici';
import { buildApp } from '../app.js';
import { parseConfig, type Config } from '../config.js';
import { systemClock } from '../core/ports.js';
import { Metrics } from '../http/metrics.js';
import { Ready } from '../ready.js';
import type { Service } from '../service.js';
import { createUpstream } from '../upstream/client.js';

/** The model name sent in every chat request (the fake echoes it; it only partitions the cache). */
export const CHAT_MODEL = 'bench-chat';

/** The part of test/support/fake-openai.ts used here. It is loaded at run time (bench runs under
 * tsx) because importing test/ from src/ would put it outside tsconfig.json's rootDir and break
 * `npm run build`. */
export interface FakeServer {
  url: string;
  chatCalls(): unknown[];
  /** On: streamed answers stop after the role chunk until released; off releases them all. */
  gateStream(on: boolean): void;
  close(): Promise<void>;
}
type StartFake = (opts?: { model?: string }) => Promise<FakeServer>;

async function loadFake(repo: string): Promise<StartFake> {
  const href = pathToFileURL(resolve(repo, 'test', 'support', 'fake-openai.ts')).href;
  const mod = (await import(href)) as { startFakeOpenAI?: StartFake };
  if (typeof mod.startFakeOpenAI !== 'function') throw new Error(`${href} does not export startFakeOpenAI`);
  return mod.startFakeOpenAI;
}

export interface Target {
  client: Client;
  path: string;
  target: 'fake' | 'dejavu';
}

/** Everything the chat section runs against; `close` shuts it all down. */
export interface ChatRig {
  fake: FakeServer;
  /** The fake, straight. */
  direct: Target;
  /** dejavu's /v1/chat/completions in front of the fake. */
  dejavu: Target;
  /** http://127.0.0.1:<port> of the dejavu app. */
  dejavuOrigin: string;
  /** chat.stream_usage of the dejavu app's config. */
  streamUsage: boolean;
  close(): Promise<void>;
}

/** Fake upstream + a dejavu app over `service` (its own chat partition: namespace "default", model
 * CHAT_MODEL), both listening on 127.0.0.1. */
export async function startChatRig(service: Service, baseConfig: Config, repo: string): Promise<ChatRig> {
  const startFake = await loadFake(repo);
  const fake = await startFake({ model: CHAT_MODEL });
  const providers = [{ name: 'fake', base_url: fake.url }];
  const chatConfig = parseConfig({ ...baseConfig, providers });
  const cache = Ready.of(service.cache);
  const metrics = new Metrics(cache);
  const upstream = createUpstream(chatConfig.providers, chatConfig.upstream, { clock: systemClock, observer: metrics });
  const app = buildApp({ config: chatConfig, cache, upstream, metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const fakeUrl = new URL(fake.url);
  const direct: Target = { client: new Client(fakeUrl.origin), path: `${fakeUrl.pathname}/chat/completions`, target: 'fake' };
  const dejavuOrigin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const dejavu: Target = { client: new Client(dejavuOrigin), path: '/v1/chat/completions', target: 'dejavu' };
  const close = async (): Promise<void> => {
    await direct.client.close();
    await dejavu.client.close();
    await app.close();
    await upstream.close();
    await fake.close();
  };
  return { fake, direct, dejavu, dejavuOrigin, streamUsage: chatConfig.chat.stream_usage, close };
}
