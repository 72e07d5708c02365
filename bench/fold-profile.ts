/**
 * Folds a V8 .cpuprofile (node --cpu-prof) into where the time went, as
 * markdown: self and inclusive time by module (a package of node_modules, a
 * directory of src/, Node's internals, GC), and the top functions by self
 * time. Percentages are of the busy time (idle left out); with --requests N,
 * also microseconds per request.
 * --window FROM-TO keeps the samples taken between those seconds of the
 * profile (the benchmark prints the measured window of each workload), so
 * that start-up and warm-up are left out.
 * --callers NAME adds who called the functions whose label holds NAME.
 *   node -r @swc-node/register bench/fold-profile.ts FILE.cpuprofile [--top 25] [--requests N] [--window 40.2-50.2]
 *     [--callers writev]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A package (scoped or not) of node_modules, a directory of our code, or Node's or V8's own. */
export function moduleOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const own = /\/dist\/((?:src|bench)\/[^/]+)/.exec(url) ?? /\/((?:src|bench)\/[^/]+)/.exec(url);
  if (own) return own[1].replace(/\.js$/, '');
  return url;
}

export interface Folded {
  busyMs: number;
  idleMs: number;
  /** Per module: self and inclusive ms. */
  modules: Map<string, { self: number; inclusive: number }>;
  functions: Map<string, number>;
  /** With callersOf: the self time of the functions named so, by the frames of ours or a package's above them. */
  callers: Map<string, number>;
}

export function fold(profile: Profile, window?: [number, number], callersOf?: string): Folded {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  // Each sample's time is the delta to the next one (the last sample gets the mean).
  const selfMs = new Map<number, number>();
  const total = (profile.endTime - profile.startTime) / 1000;
  const mean = total / Math.max(profile.samples.length, 1);
  let at = 0; // µs since the profile started
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (window && (at < window[0] * 1e6 || at > window[1] * 1e6)) return;
    const ms = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] / 1000 : mean;
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
  });

  const pathModules = new Map<number, Set<string>>();
  const modulesOnPath = (id: number): Set<string> => {
    let set = pathModules.get(id);
    if (set) return set;
    const up = parent.get(id);
    set = new Set(up === undefined ? [] : modulesOnPath(up));
    set.add(moduleOf(byId.get(id)!.callFrame));
    pathModules.set(id, set);
    return set;
  };

  const folded: Folded = { busyMs: 0, idleMs: 0, modules: new Map(), functions: new Map(), callers: new Map() };
  const label = (frame: ProfileNode['callFrame']) =>
    `${frame.functionName || '(anonymous)'} ${moduleOf(frame)}:${frame.lineNumber + 1}`;
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      folded.idleMs += ms;
      continue;
    }
    folded.busyMs += ms;
    const own = moduleOf(frame);
    const entry = (m: string) => {
      let e = folded.modules.get(m);
      if (!e) folded.modules.set(m, (e = { self: 0, inclusive: 0 }));
      return e;
    };
    entry(own).self += ms;
    for (const m of modulesOnPath(id)) entry(m).inclusive += ms;
    const name = label(frame);
    folded.functions.set(name, (folded.functions.get(name) ?? 0) + ms);
    if (callersOf && name.includes(callersOf)) {
      // The nearest frames above it that are not Node's or V8's own: who asked for the work.
      const chain: string[] = [];
      for (let up = parent.get(id); up !== undefined && chain.length < 4; up = parent.get(up)) {
        const f = byId.get(up)!.callFrame;
        if (f.url && !f.url.startsWith('node:')) chain.push(label(f));
      }
      const key = chain.join(' ← ') || '(no caller)';
      folded.callers.set(key, (folded.callers.get(key) ?? 0) + ms);
    }
  }
  return folded;
}

export function toMarkdown(folded: Folded, top: number, requests?: number): string {
  const pct = (ms: number) => `${((100 * ms) / folded.busyMs).toFixed(1)}%`;
  const perRequest = (ms: number) => (requests ? ` | ${((1000 * ms) / requests).toFixed(1)}` : '');
  const unit = requests ? ' | µs / request' : '';
  const rule = requests ? '|---' : '';
  const lines = [
    `Busy ${(folded.busyMs / 1000).toFixed(1)} s, idle ${(folded.idleMs / 1000).toFixed(1)} s` +
      (requests
        ? `, ${requests} requests: ${((1000 * folded.busyMs) / requests).toFixed(0)} µs busy per request`
        : '') +
      '.',
    '',
    `| module | self${unit} | inclusive |`,
    `|---|---${rule}|---|`,
  ];
  const modules = [...folded.modules].sort((a, b) => b[1].self - a[1].self).slice(0, top);
  for (const [name, m] of modules)
    lines.push(`| ${name} | ${pct(m.self)}${perRequest(m.self)} | ${pct(m.inclusive)} |`);
  lines.push('', `| function (self time) | self${unit} |`, `|---|---${rule}|`);
  const functions = [...folded.functions].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, ms] of functions) lines.push(`| \`${name}\` | ${pct(ms)}${perRequest(ms)} |`);
  if (folded.callers.size > 0) {
    lines.push('', `| called from | self${unit} |`, `|---|---${rule}|`);
    const callers = [...folded.callers].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [chain, ms] of callers) lines.push(`| ${chain} | ${pct(ms)}${perRequest(ms)} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '25' },
      requests: { type: 'string' },
      window: { type: 'string' },
      callers: { type: 'string' },
    },
  });
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
  const window = values.window?.split('-').map(Number) as [number, number] | undefined;
  const requests = values.requests ? Number(values.requests) : undefined;
  console.log(toMarkdown(fold(profile, window, values.callers), Number(values.top), requests));
}
