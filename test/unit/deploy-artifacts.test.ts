/**
 * The deploy artifacts cannot be built here (no Docker, no cluster), so this checks what can be checked offline:
 * the Dockerfiles parse without a diagnostic from dockerfile-utils (the linter behind VS Code's Docker support),
 * are multi-stage, end as a non-root user with a health check, and copy only files that exist or that
 * `npm run build` produces; every Kubernetes manifest validates against the Kubernetes and KEDA OpenAPI schemas
 * (kubernetes-models); and the settings the manifests and the Compose file wire together agree with each other
 * and with docs/configuration.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';

const root = path.resolve(__dirname, '..', '..');
const read = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');

/** The files `npm run build` writes: dist/X.js for each src/X.ts, and every non-TypeScript file of src/ as is. */
function builtBy(distPath: string): boolean {
  const rel = path.posix.relative('dist', distPath);
  if (rel === '' || rel === '.') return true;
  if (rel.endsWith('.js')) return fs.existsSync(path.join(root, 'src', rel.replace(/\.js$/, '.ts')));
  return fs.existsSync(path.join(root, 'src', rel));
}

interface Stage {
  name: string | undefined;
  instructions: Instruction[];
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as unknown as { getBuildStage(): string | undefined };
      stages.push({ name: from.getBuildStage(), instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** COPY's arguments without flags, and its --from stage if any. */
function copyOf(instruction: Instruction): { from?: string; sources: string[]; target: string } {
  const words = instruction
    .getArguments()
    .map((a) => a.getValue())
    .filter((w) => !w.startsWith('--'));
  const fromFlag = (instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] })
    .getFlags()
    .find((f) => f.getName() === 'from');
  return {
    ...(fromFlag?.getValue() ? { from: fromFlag.getValue() as string } : {}),
    sources: words.slice(0, -1),
    target: words.at(-1) as string,
  };
}

/** The JSON (exec form) array of a CMD or of HEALTHCHECK's CMD. */
function execForm(instruction: Instruction): string[] {
  const text = instruction.getArgumentsContent() ?? '';
  const json = text.replace(/^CMD\s+/, '');
  return JSON.parse(json) as string[];
}

const dockerfiles = [
  { file: 'deploy/worker.Dockerfile', entry: 'dist/worker/main.js', required: true },
  // `npm run api`'s entry (src/servers/api/cli.ts), compiled.
  { file: 'deploy/api.Dockerfile', entry: 'dist/servers/api/cli.js', required: true },
];

describe('Dockerfiles', () => {
  for (const { file, entry, required } of dockerfiles) {
    describe(file, () => {
      const text = read(file);
      const stages = stagesOf(text);
      const runtime = stages.at(-1) as Stage;

      it('has no syntax or lint diagnostic', () => {
        assert.deepEqual(
          lintDockerfile(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`),
          [],
        );
      });

      it('is multi-stage: it builds in one stage and installs production dependencies only in another', () => {
        assert.ok(stages.length >= 3, `expected build, deps and runtime stages, got ${stages.length}`);
        const runs = (stage: Stage): string =>
          stage.instructions
            .filter((i) => i.getKeyword() === 'RUN')
            .map((i) => i.getArgumentsContent() ?? '')
            .join('\n');
        assert.ok(
          stages.some((s) => /npm run build/.test(runs(s))),
          'no stage runs npm run build',
        );
        const deps = stages.find((s) => /npm ci --omit=dev/.test(runs(s)));
        assert.ok(deps, 'no stage installs with npm ci --omit=dev');
        const fromStages = runtime.instructions
          .filter((i) => i.getKeyword() === 'COPY')
          .map(copyOf)
          .filter((c) => c.from);
        assert.ok(
          fromStages.some((c) => c.from === deps.name && c.sources.includes('/app/node_modules')),
          'the runtime stage must take node_modules from the production-dependencies stage',
        );
        assert.ok(
          !runtime.instructions.some(
            (i) => i.getKeyword() === 'RUN' && /npm (ci|install)/.test(i.getArgumentsContent() ?? ''),
          ),
          'the runtime stage must not install dependencies itself',
        );
      });

      it('runs as a non-root user with a health check and an exec-form CMD', () => {
        const users = runtime.instructions.filter((i) => i.getKeyword() === 'USER');
        assert.ok(users.length > 0, 'the runtime stage sets no USER');
        const user = users.at(-1)?.getArgumentsContent()?.trim();
        assert.ok(user && !['root', '0', '0:0'].includes(user), `USER is ${user}`);
        const health = runtime.instructions.find((i) => i.getKeyword() === 'HEALTHCHECK');
        assert.ok(health, 'no HEALTHCHECK');
        const probe = execForm(health);
        assert.equal(probe[0], 'node');
        assert.ok(fs.existsSync(path.join(root, probe[1] as string)), `${probe[1]} does not exist`);
        const cmd = runtime.instructions.find((i) => i.getKeyword() === 'CMD');
        assert.ok(cmd, 'no CMD');
        // Exec form, so SIGTERM reaches node itself (a shell in between would swallow it).
        assert.deepEqual(execForm(cmd), ['node', entry]);
      });

      it('copies only files that exist in the repository or that an earlier stage produced', (t) => {
        for (const stage of stages) {
          for (const copy of stage.instructions.filter((i) => i.getKeyword() === 'COPY').map(copyOf)) {
            for (const source of copy.sources) {
              if (copy.from) {
                assert.ok(
                  stages.some((s) => s.name === copy.from),
                  `COPY --from=${copy.from}: no such stage`,
                );
                const rel = path.posix.relative('/app', source);
                if (rel === 'node_modules') continue; // made by npm ci in that stage
                assert.ok(rel.startsWith('dist'), `COPY --from=${copy.from} ${source}: not node_modules or dist`);
                assert.ok(builtBy(rel), `${source} is not produced by npm run build`);
              } else {
                assert.ok(fs.existsSync(path.join(root, source)), `COPY ${source}: no such file in the repository`);
              }
            }
          }
        }
        if (!required && !builtBy(entry)) {
          t.skip(`${entry}'s source is not in this tree yet (the HTTP API, issue 13)`);
          return;
        }
        assert.ok(builtBy(entry), `CMD ${entry} is not produced by npm run build`);
      });
    });
  }

  it('deploy/peer-dependencies.mjs names every peer dependency at its locked version', () => {
    const pkg = JSON.parse(read('package.json')) as { peerDependencies: Record<string, string> };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };
    const printed = execFileSync(process.execPath, [path.join(root, 'deploy/peer-dependencies.mjs')], {
      encoding: 'utf8',
    })
      .trim()
      .split(' ');
    assert.deepEqual(
      printed.sort(),
      Object.keys(pkg.peerDependencies)
        .map((name) => `${name}@${lock.packages[`node_modules/${name}`]?.version}`)
        .sort(),
    );
  });
});

type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };

/** The model class of each kind we ship: the validator is the schema kubernetes-models was generated from. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

function loadManifests(): { file: string; manifest: Manifest }[] {
  const dir = path.join(root, 'deploy', 'k8s');
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => {
        assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
        return { file, manifest: doc.toJS() as Manifest };
      }),
    );
}

function validateManifest(manifest: Manifest): void {
  const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

/** Seconds of a duration such as 150s or 2m. */
function seconds(duration: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  assert.ok(m, `not a duration: ${duration}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  const manifests = loadManifests();
  const find = (kind: string, name: string): Manifest => {
    const found = manifests.find((m) => m.manifest.kind === kind && m.manifest.metadata.name === name);
    assert.ok(found, `no ${kind} ${name}`);
    return found.manifest;
  };

  it('every manifest validates against its Kubernetes or KEDA schema', () => {
    assert.ok(manifests.length >= 6);
    for (const { file, manifest } of manifests) {
      assert.doesNotThrow(() => validateManifest(manifest), `${file}: ${manifest.kind} ${manifest.metadata?.name}`);
    }
  });

  it('the validator refuses a broken manifest (so the check above can fail)', () => {
    const broken = structuredClone(find('Deployment', 'durable-agents-worker')) as Manifest & {
      spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } };
    };
    (broken.spec.template.spec.containers[0] as { ports: { containerPort: unknown }[] }).ports[0] = {
      containerPort: 'metrics',
    };
    assert.throws(() => validateManifest(broken), /containerPort must be integer/);
  });

  it('the worker outlasts its longest activity on SIGTERM: grace period > shutdown grace time > activity timeout', () => {
    const worker = find('Deployment', 'durable-agents-worker') as Manifest & {
      spec: { template: { spec: { terminationGracePeriodSeconds: number } } };
    };
    const config = find('ConfigMap', 'durable-agents') as Manifest & { data: Record<string, string> };
    const shutdownGrace = seconds(config.data.AGENT_SHUTDOWN_GRACE_TIME as string);
    // The longest startToCloseTimeout our workflows give an activity (the model call's).
    const timeouts = [...read('src/workflows/kernel/activities.ts').matchAll(/startToCloseTimeout: '(\d+)s'/g)].map(
      (m) => Number(m[1]),
    );
    const longest = Math.max(...timeouts);
    assert.ok(longest >= 60, `unexpected longest activity timeout ${longest}s`);
    assert.ok(shutdownGrace > longest, `AGENT_SHUTDOWN_GRACE_TIME ${shutdownGrace}s <= longest activity ${longest}s`);
    assert.ok(worker.spec.template.spec.terminationGracePeriodSeconds > shutdownGrace);
  });

  it('the autoscaler, the Service and the env sources point at what the other manifests define', () => {
    const config = find('ConfigMap', 'durable-agents') as Manifest & { data: Record<string, string> };
    const scaler = find('ScaledObject', 'durable-agents-worker') as Manifest & {
      spec: { scaleTargetRef: { name: string }; triggers: { type: string; metadata: Record<string, string> }[] };
    };
    find('Deployment', scaler.spec.scaleTargetRef.name);
    const temporal = scaler.spec.triggers.find((t) => t.type === 'temporal');
    assert.ok(temporal, 'no temporal trigger');
    assert.equal(temporal.metadata.taskQueue, config.data.TEMPORAL_TASK_QUEUE);
    assert.equal(temporal.metadata.namespace, config.data.TEMPORAL_NAMESPACE);
    assert.equal(temporal.metadata.endpoint, config.data.TEMPORAL_ADDRESS);

    const api = find('Deployment', 'durable-agents-api') as Manifest & {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    const service = find('Service', 'durable-agents-api') as Manifest & { spec: { selector: Record<string, string> } };
    for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(api.spec.template.metadata.labels[k], v);

    for (const name of ['durable-agents-worker', 'durable-agents-api']) {
      const d = find('Deployment', name) as Manifest & {
        spec: {
          template: {
            spec: { containers: { envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[] }[] };
          };
        };
      };
      for (const source of d.spec.template.spec.containers.flatMap((c) => c.envFrom)) {
        if (source.configMapRef) find('ConfigMap', source.configMapRef.name);
        if (source.secretRef) find('Secret', source.secretRef.name);
      }
    }
  });

  it('every setting in the ConfigMap and the Secret is documented in docs/configuration.md', () => {
    const doc = read('docs/configuration.md');
    const config = find('ConfigMap', 'durable-agents') as Manifest & { data: Record<string, string> };
    const secret = find('Secret', 'durable-agents') as Manifest & { stringData: Record<string, string> };
    for (const key of [...Object.keys(config.data), ...Object.keys(secret.stringData)]) {
      assert.ok(doc.includes(`\`${key}\``), `${key} is not in docs/configuration.md`);
    }
  });
});

describe('temporal-dev.yml', () => {
  it('builds the worker and the API from the deploy Dockerfiles and gives the worker a model', () => {
    const compose = parseYaml(read('temporal-dev.yml'), { merge: true }) as {
      services: Record<
        string,
        { build?: { context: string; dockerfile: string }; environment?: Record<string, string> }
      >;
    };
    for (const [service, dockerfile] of [
      ['worker', 'deploy/worker.Dockerfile'],
      ['api', 'deploy/api.Dockerfile'],
    ] as const) {
      const s = compose.services[service];
      assert.ok(s?.build, `no ${service} service built from source`);
      assert.equal(s.build.dockerfile, dockerfile);
      assert.ok(fs.existsSync(path.join(root, s.build.context, s.build.dockerfile)));
      assert.equal(s.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    }
    assert.ok(compose.services.worker?.environment?.MOCK_LLM_URL?.startsWith('http://mock-llm:'));
    assert.ok(compose.services['mock-llm']);
  });
});
