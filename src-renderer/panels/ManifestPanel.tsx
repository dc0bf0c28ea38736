import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type {
  LicenseRefEntry,
  Manifest,
  ManifestTensor,
  Metric,
  Preprocessing,
  Problem,
} from '../../src-main/studio/contract';
import { ErrorNote, FileButton, Note, Section, Shape } from '../components/common';
import { useStudio } from '../store';
import { fieldId, focusPointer, parseNumbers, patched, type Patch } from './fields';

/** The manifest's vocabulary (channels, color orders, layouts, licenses), loaded once from the Node side. */
function useVocabulary() {
  const vocab = useStudio((s) => s.vocab);
  const load = useStudio((s) => s.loadVocabulary);
  useEffect(() => {
    void load();
  }, [load]);
  return vocab ?? { channels: [], colorOrders: [], layouts: [], licenses: [] };
}

function problemsAt(problems: Problem[], pointer: string): Problem[] {
  return problems.filter((p) => p.pointer === pointer || p.pointer.startsWith(pointer + '/'));
}

/** A labelled field whose id is its JSON pointer, with its problems under it. */
function Field(props: {
  label: string;
  pointer: string;
  problems: Problem[];
  children: (id: string, describedBy?: string) => ReactNode;
  help?: string;
}) {
  const mine = problemsAt(props.problems, props.pointer);
  const id = fieldId(props.pointer);
  const msgId = `${id}:msg`;
  return (
    <div className={`field${mine.some((p) => p.severity === 'error') ? ' invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, mine.length || props.help ? msgId : undefined)}
      <div id={msgId} className="field-msg">
        {props.help ? <span className="muted">{props.help}</span> : null}
        {mine.map((p, i) => (
          <span key={i} className={p.severity === 'error' ? 'bad' : 'warn'}>
            {p.message}
            {p.hint ? ` — ${p.hint}` : ''}
          </span>
        ))}
      </div>
    </div>
  );
}

export function ProblemList({ problems }: { problems: Problem[] }) {
  if (problems.length === 0) return <Note kind="ok">The manifest is complete and valid.</Note>;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return (
    <div className="problems" data-testid="problems">
      <p>
        <strong>
          {errors} error{errors === 1 ? '' : 's'}, {warnings} warning{warnings === 1 ? '' : 's'}
        </strong>{' '}
        <span className="muted">— select one to go to its field.</span>
      </p>
      <ul>
        {problems.map((p, i) => (
          <li key={i} className={p.severity}>
            <button type="button" className="linkish" onClick={() => focusPointer(p.pointer)}>
              <span className={`tag ${p.severity === 'error' ? 'tag-bad' : 'tag-warn'}`}>{p.severity}</span>{' '}
              <code>{p.pointer || '/'}</code> {p.message}
            </button>
            {p.hint ? <span className="muted"> {p.hint}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function PreprocessingEditor({
  index,
  tensor,
  problems,
  edit,
}: {
  index: number;
  tensor: ManifestTensor;
  problems: Problem[];
  edit: (p: Preprocessing) => void;
}) {
  const vocab = useVocabulary();
  const pp = tensor.preprocessing ?? {};
  const base = `/inputs/${index}/preprocessing`;
  const guessed = new Set(pp.guessed ?? []);
  const guess = (k: string) => (guessed.has(k) ? ' (guessed — confirm)' : '');
  const set = (patch: Patch<Preprocessing>, key: string) => {
    const guessedLeft = pp.guessed?.filter((g) => g !== key);
    edit(patched(pp, { ...patch, guessed: guessedLeft?.length ? guessedLeft : undefined }));
  };
  return (
    <fieldset className="pp">
      <legend>
        Preprocessing for <code>{tensor.name}</code>
      </legend>
      {pp.guessed?.length ? (
        <div className="note note-warn" id={fieldId(`${base}/guessed`)} tabIndex={-1}>
          Guessed from the shape: {pp.guessed.join(', ')}. Check them, then{' '}
          <button type="button" className="btn small" onClick={() => edit(patched(pp, { guessed: undefined }))}>
            Confirm guessed values
          </button>
        </div>
      ) : null}
      <div className="grid">
        <Field label={`Layout${guess('layout')}`} pointer={`${base}/layout`} problems={problems}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={pp.layout ?? ''}
              onChange={(e) => set({ layout: e.target.value || undefined }, 'layout')}
            >
              {['', ...vocab.layouts, ...(pp.layout && !vocab.layouts.includes(pp.layout) ? [pp.layout] : [])].map(
                (l) => (
                  <option key={l} value={l}>
                    {l || '—'}
                  </option>
                ),
              )}
            </select>
          )}
        </Field>
        <Field label={`Color order${guess('colorOrder')}`} pointer={`${base}/colorOrder`} problems={problems}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={pp.colorOrder ?? ''}
              onChange={(e) => set({ colorOrder: e.target.value || undefined }, 'colorOrder')}
            >
              {['', ...vocab.colorOrders].map((l) => (
                <option key={l} value={l}>
                  {l || '—'}
                </option>
              ))}
            </select>
          )}
        </Field>
        <NumberListField
          label={`Mean${guess('mean')}`}
          pointer={`${base}/mean`}
          problems={problems}
          value={pp.mean}
          example="0.485, 0.456, 0.406"
          onChange={(v) => set({ mean: v }, 'mean')}
        />
        <NumberListField
          label={`Std${guess('std')}`}
          pointer={`${base}/std`}
          problems={problems}
          value={pp.std}
          example="0.229, 0.224, 0.225"
          onChange={(v) => set({ std: v }, 'std')}
        />
        <Field
          label={`Scale${guess('scale')}`}
          pointer={`${base}/scale`}
          problems={problems}
          help="e.g. 0.00392156 for 1/255"
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              inputMode="decimal"
              defaultValue={pp.scale ?? ''}
              onBlur={(e) => set({ scale: e.target.value === '' ? undefined : Number(e.target.value) }, 'scale')}
            />
          )}
        </Field>
        <Field label={`Resize width × height${guess('resize')}`} pointer={`${base}/resize`} problems={problems}>
          {(id, d) => (
            <span className="pair">
              <input
                id={id}
                aria-describedby={d}
                aria-label="Resize width"
                inputMode="numeric"
                defaultValue={pp.resize?.width ?? ''}
                onBlur={(e) =>
                  set(
                    {
                      resize: patched(pp.resize ?? {}, { width: e.target.value ? Number(e.target.value) : undefined }),
                    },
                    'resize',
                  )
                }
              />
              <span aria-hidden="true">×</span>
              <input
                aria-label="Resize height"
                inputMode="numeric"
                defaultValue={pp.resize?.height ?? ''}
                onBlur={(e) =>
                  set(
                    {
                      resize: patched(pp.resize ?? {}, { height: e.target.value ? Number(e.target.value) : undefined }),
                    },
                    'resize',
                  )
                }
              />
            </span>
          )}
        </Field>
      </div>
    </fieldset>
  );
}

function NumberListField(props: {
  label: string;
  pointer: string;
  problems: Problem[];
  value: number[] | undefined;
  example: string;
  onChange: (v: number[] | undefined) => void;
}) {
  const given = props.value?.join(', ') ?? '';
  const [text, setText] = useState(given);
  const [bad, setBad] = useState(false);
  // A new value from outside (a re-read model, an import) replaces what is typed (React's
  // "adjust state when a prop changes" pattern: compare with the last value seen, during render).
  const [seen, setSeen] = useState(given);
  if (given !== seen) {
    setSeen(given);
    setText(given);
  }
  return (
    <Field
      label={props.label}
      pointer={props.pointer}
      problems={props.problems}
      help={bad ? 'Numbers separated by commas' : `per channel, e.g. ${props.example}`}
    >
      {(id, d) => (
        <input
          id={id}
          aria-describedby={d}
          aria-invalid={bad}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => {
            const nums = parseNumbers(text);
            setBad(text.trim() !== '' && nums === undefined);
            if (text.trim() === '' || nums) props.onChange(nums);
          }}
        />
      )}
    </Field>
  );
}

function MetricsTable({
  metrics,
  problems,
  edit,
}: {
  metrics: Metric[];
  problems: Problem[];
  edit: (m: Metric[]) => void;
}) {
  const importMetrics = useStudio((s) => s.importMetrics);
  const note = useStudio((s) => s.metricsNote);
  const cols: { key: keyof Metric; label: string }[] = [
    { key: 'name', label: 'Metric' },
    { key: 'value', label: 'Value' },
    { key: 'unit', label: 'Unit' },
    { key: 'dataset', label: 'Dataset' },
    { key: 'split', label: 'Split' },
    { key: 'hardware', label: 'Hardware' },
  ];
  const setCell = (i: number, key: keyof Metric, v: string) =>
    edit(
      metrics.map((m, j) =>
        j !== i
          ? m
          : {
              ...m,
              [key]: key === 'value' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v || undefined,
            },
      ),
    );
  return (
    <Section
      title="Metrics"
      actions={
        <>
          <button type="button" className="btn" onClick={() => edit([...metrics, { name: '', value: '' }])}>
            Add metric
          </button>
          <FileButton
            label="Import JSON / CSV / model card…"
            accept=".json,.csv,.yaml,.yml,.md"
            testId="metrics-input"
            onFiles={(f) => void importMetrics(f[0]!)}
          />
        </>
      }
    >
      {note ? <Note kind="info">{note}</Note> : null}
      <div className="table-wrap" id={fieldId('/metrics')} tabIndex={-1}>
        <table className="edit-table">
          <thead>
            <tr>
              {cols.map((c) => (
                <th key={c.key} scope="col">
                  {c.label}
                </th>
              ))}
              <th scope="col">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {metrics.length === 0 ? (
              <tr>
                <td colSpan={7} className="muted">
                  No metrics yet — reviewers expect accuracy and latency at least.
                </td>
              </tr>
            ) : null}
            {metrics.map((m, i) => (
              <tr
                key={i}
                className={problemsAt(problems, `/metrics/${i}`).some((p) => p.severity === 'error') ? 'invalid' : ''}
              >
                {cols.map((c) => (
                  <td key={c.key}>
                    <input
                      id={fieldId(`/metrics/${i}/${c.key}`)}
                      aria-label={`${c.label} of metric ${i + 1}`}
                      value={m[c.key] === undefined ? '' : String(m[c.key])}
                      onChange={(e) => setCell(i, c.key, e.target.value)}
                    />
                  </td>
                ))}
                <td>
                  <button
                    type="button"
                    className="btn small"
                    aria-label={`Remove metric ${i + 1}`}
                    onClick={() => edit(metrics.filter((_, j) => j !== i))}
                  >
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

function TargetPicker({
  manifest,
  problems,
  edit,
}: {
  manifest: Manifest;
  problems: Problem[];
  edit: (profiles: string[]) => void;
}) {
  const catalog = useStudio((s) => s.catalog);
  const catalogError = useStudio((s) => s.catalogError);
  const loadCatalog = useStudio((s) => s.loadCatalog);
  const [filter, setFilter] = useState('');
  useEffect(() => void loadCatalog(), [loadCatalog]);
  const chosen = new Set(manifest.target?.profiles ?? []);
  const shown = useMemo(
    () =>
      (catalog ?? []).filter(
        (p) => !filter || `${p.id} ${p.name} ${p.vendor ?? ''} ${p.facts}`.toLowerCase().includes(filter.toLowerCase()),
      ),
    [catalog, filter],
  );
  const mine = problemsAt(problems, '/target');
  return (
    <Section title="Target hardware">
      <ErrorNote error={catalogError} title="The hardware catalog could not be loaded" />
      <p className="muted">
        Chosen: {chosen.size ? [...chosen].join(', ') : 'none'}{' '}
        {mine.map((p, i) => (
          <span key={i} className={p.severity === 'error' ? 'bad' : 'warn'}>
            {' '}
            {p.message}
          </span>
        ))}
      </p>
      <label htmlFor="profile-filter">Filter profiles</label>
      <input
        id="profile-filter"
        type="search"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        placeholder="jetson, coral, x86…"
      />
      <fieldset className="profiles" id={fieldId('/target')} tabIndex={-1}>
        <legend className="sr-only">Hardware profiles</legend>
        {shown.map((p) => (
          <label key={p.id} className="profile">
            <input
              type="checkbox"
              checked={chosen.has(p.id)}
              onChange={(e) => {
                const next = new Set(chosen);
                if (e.target.checked) next.add(p.id);
                else next.delete(p.id);
                edit([...next]);
              }}
            />
            <span>
              <strong>{p.name}</strong> <code className="muted">{p.id}</code>
              <br />
              <span className="muted">{p.facts}</span>
            </span>
          </label>
        ))}
        {catalog && shown.length === 0 ? <p className="muted">No profile matches.</p> : null}
      </fieldset>
    </Section>
  );
}

/** Longest license text read from a file (a license, not a data set). */
const MAX_LICENSE_TEXT = 256 * 1024;

/**
 * The entry each LicenseRef-… in the expression needs: a name, and a URL or the license text
 * (read from a file the engineer picks). Without it the manifest is invalid.
 */
function LicenseRefEditor({
  ids,
  refs,
  problems,
  onChange,
}: {
  ids: string[];
  refs: LicenseRefEntry[];
  problems: Problem[];
  onChange: (refs: LicenseRefEntry[] | undefined) => void;
}) {
  const [note, setNote] = useState<string>();
  if (ids.length === 0) return null;
  const entryOf = (id: string): LicenseRefEntry => refs.find((r) => r.id === id) ?? { id };
  const update = (id: string, patch: Partial<LicenseRefEntry>) => {
    const merged = { ...entryOf(id), ...patch };
    // An emptied field is left out (the schema wants a URL or a text, never an empty one).
    const next: LicenseRefEntry = {
      id,
      ...(merged.name ? { name: merged.name } : {}),
      ...(merged.url ? { url: merged.url } : {}),
      ...(merged.text ? { text: merged.text } : {}),
    };
    const others = refs.filter((r) => r.id !== id);
    onChange([...others, next]);
  };
  const refProblems = problemsAt(problems, '/licenseRef');
  return (
    <fieldset className="license-refs" data-testid="license-refs">
      <legend>Custom licenses</legend>
      {ids.map((id) => {
        const e = entryOf(id);
        return (
          <div key={id} className="license-ref">
            <p>
              <code>{id}</code>: give its name, and a URL or the license text.
            </p>
            <div className="grid">
              <label>
                Name of {id}
                <input value={e.name ?? ''} onChange={(ev) => update(id, { name: ev.target.value })} />
              </label>
              <label>
                URL of {id}
                <input
                  type="url"
                  value={e.url ?? ''}
                  placeholder="https://example.com/license"
                  onChange={(ev) => update(id, { url: ev.target.value })}
                />
              </label>
            </div>
            <div className="actions">
              <FileButton
                label={`Text of ${id} from a file…`}
                accept=".txt,.md,text/plain"
                onFiles={(f) => {
                  const file = f[0]!;
                  if (file.size > MAX_LICENSE_TEXT) {
                    setNote(`${file.name} is larger than ${MAX_LICENSE_TEXT / 1024} KB: give a URL instead.`);
                    return;
                  }
                  void file.text().then((text) => {
                    setNote(undefined);
                    update(id, { text });
                  });
                }}
              />
              {e.text ? (
                <span data-testid="license-text">
                  Text: {e.text.length} characters{' '}
                  <button type="button" className="btn small" onClick={() => update(id, { text: '' })}>
                    Remove text
                  </button>
                </span>
              ) : null}
            </div>
          </div>
        );
      })}
      {note ? <Note kind="warn">{note}</Note> : null}
      {refProblems.map((p, i) => (
        <p key={i} className={p.severity === 'error' ? 'bad' : 'warn'}>
          {p.message}
        </p>
      ))}
    </fieldset>
  );
}

function LicenseField({
  value,
  refs,
  problems,
  onChange,
  onRefs,
}: {
  value: string;
  refs: LicenseRefEntry[];
  problems: Problem[];
  onChange: (v: string) => void;
  onRefs: (refs: LicenseRefEntry[] | undefined) => void;
}) {
  const vocab = useVocabulary();
  const check = useStudio((s) => s.checkLicense);
  const license = useStudio((s) => s.license);
  useEffect(() => {
    const t = setTimeout(() => void check(value), 300);
    return () => clearTimeout(t);
  }, [value, check]);
  const current = license && license.expression === value ? license : undefined;
  return (
    <Field
      label="License (SPDX expression)"
      pointer="/license"
      problems={problems}
      help="e.g. Apache-2.0, MIT OR Apache-2.0, LicenseRef-acme-eula"
    >
      {(id, d) => (
        <>
          <input
            id={id}
            aria-describedby={d}
            list="spdx-ids"
            value={value}
            aria-invalid={current ? !current.valid : undefined}
            onChange={(e) => onChange(e.target.value)}
          />
          <datalist id="spdx-ids">
            {vocab.licenses.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
          {current ? (
            <span className={current.valid ? 'ok' : 'bad'} data-testid="license-check" role="status">
              {current.valid
                ? `✓ valid SPDX${current.normalized && current.normalized !== value ? ` (${current.normalized})` : ''}`
                : `✗ ${current.message ?? 'not a valid SPDX expression'}`}
              {current.hint ? ` — ${current.hint}` : ''}
            </span>
          ) : null}
          {current?.valid && current.normalized && current.normalized !== value ? (
            <button type="button" className="btn small" onClick={() => onChange(current.normalized!)}>
              Use {current.normalized}
            </button>
          ) : null}
          {current && !current.valid && current.suggestion ? (
            <button
              type="button"
              className="btn small"
              onClick={() => {
                const s = current.suggestion!;
                const ids = new Set(s.licenseRef.map((r) => r.id));
                onChange(s.license);
                // Entries the new expression no longer uses go; the suggestion's own come in filled.
                const kept = refs.filter((r) => !ids.has(r.id) && s.license.includes(r.id));
                onRefs([...kept, ...s.licenseRef]);
              }}
            >
              Use {current.suggestion.license}
            </button>
          ) : null}
          <LicenseRefEditor
            ids={current?.valid ? (current.needsReference ?? []) : []}
            refs={refs}
            problems={problems}
            onChange={onRefs}
          />
        </>
      )}
    </Field>
  );
}

export function ManifestPanel() {
  const draft = useStudio((s) => s.draft);
  const mstate = useStudio((s) => s.mstate);
  const error = useStudio((s) => s.manifestError);
  const edit = useStudio((s) => s.editManifest);
  const goTo = useStudio((s) => s.goTo);
  const vocab = useVocabulary();
  const [customChannel, setCustomChannel] = useState(false);
  /** Inputs the engineer gave image preprocessing although they do not look like images. */
  const [imageAsked, setImageAsked] = useState<ReadonlySet<string>>(new Set());
  if (!draft || !mstate) return <Note kind="info">Open a model first: the manifest is prefilled from it.</Note>;
  const problems = mstate.problems;
  const set = (patch: Patch<Manifest>) => edit((m) => patched(m, patch));
  const channelIsCustom =
    customChannel || (draft.channel !== undefined && draft.channel !== '' && !vocab.channels.includes(draft.channel));
  return (
    <>
      <ErrorNote error={error} />
      <Section
        title="Validation"
        actions={
          <button type="button" className="btn primary" disabled={!mstate.valid} onClick={() => goTo('sbom')}>
            Continue to SBOM
          </button>
        }
      >
        <ProblemList problems={problems} />
      </Section>
      <Section title="Identity">
        <div className="grid">
          <Field label="Name" pointer="/name" problems={problems}>
            {(id, d) => (
              <input id={id} aria-describedby={d} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
            )}
          </Field>
          <Field label="Version (semver)" pointer="/version" problems={problems}>
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                value={draft.version}
                onChange={(e) => set({ version: e.target.value })}
              />
            )}
          </Field>
          <Field label="Release channel" pointer="/channel" problems={problems}>
            {(id, d) => (
              <span className="pair">
                <select
                  id={id}
                  aria-describedby={d}
                  value={channelIsCustom ? 'custom' : (draft.channel ?? '')}
                  onChange={(e) => {
                    const v = e.target.value;
                    setCustomChannel(v === 'custom');
                    if (v !== 'custom') set({ channel: v || undefined });
                  }}
                >
                  <option value="">—</option>
                  {vocab.channels.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                  <option value="custom">custom…</option>
                </select>
                {channelIsCustom ? (
                  <input
                    aria-label="Custom channel name"
                    value={draft.channel ?? ''}
                    onChange={(e) => set({ channel: e.target.value })}
                  />
                ) : null}
              </span>
            )}
          </Field>
          <LicenseField
            value={draft.license ?? ''}
            refs={draft.licenseRef ?? []}
            problems={problems}
            onChange={(v) => set({ license: v || undefined })}
            onRefs={(licenseRef) => set({ licenseRef: licenseRef?.length ? licenseRef : undefined })}
          />
          <Field label="Authors (comma separated)" pointer="/authors" problems={problems}>
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                defaultValue={(draft.authors ?? []).map((a) => a.name).join(', ')}
                onBlur={(e) => {
                  const names = e.target.value
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean);
                  set({ authors: names.length ? names.map((name) => ({ name })) : undefined });
                }}
              />
            )}
          </Field>
          {draft.framework.format === 'tensorrt' ? (
            <Field
              label="GPU compute capability the engine was built for"
              pointer="/framework/tensorrt/computeCapability"
              problems={problems}
              help="e.g. 8.7 (Jetson Orin), 7.2 (Xavier)"
            >
              {(id, d) => (
                <input
                  id={id}
                  aria-describedby={d}
                  value={draft.framework.tensorrt?.computeCapability ?? ''}
                  onChange={(e) =>
                    set({
                      framework: {
                        ...draft.framework,
                        tensorrt: patched(draft.framework.tensorrt ?? {}, {
                          computeCapability: e.target.value || undefined,
                        }),
                      },
                    })
                  }
                />
              )}
            </Field>
          ) : null}
        </div>
        <Field label="Description" pointer="/description" problems={problems}>
          {(id, d) => (
            <textarea
              id={id}
              aria-describedby={d}
              rows={2}
              value={draft.description ?? ''}
              onChange={(e) => set({ description: e.target.value || undefined })}
            />
          )}
        </Field>
      </Section>
      <Section title="Inputs and preprocessing">
        {draft.inputs.map((t, i) =>
          // Image preprocessing for inputs that can be images, or that have it (from the model, or asked for).
          mstate.imageInputs.includes(t.name) || t.preprocessing || imageAsked.has(t.name) ? (
            <PreprocessingEditor
              key={t.name}
              index={i}
              tensor={t}
              problems={problems}
              edit={(pp) => set({ inputs: draft.inputs.map((x, j) => (j === i ? { ...x, preprocessing: pp } : x)) })}
            />
          ) : (
            <div key={t.name} className="input-plain" data-testid="input-not-image">
              <p>
                <code>{t.name}</code>{' '}
                <span className="muted">
                  {t.dtype} <Shape shape={t.shape} /> — not an image, so no image preprocessing.
                </span>{' '}
                <button
                  type="button"
                  className="btn small"
                  aria-label={`Add image preprocessing to ${t.name}`}
                  onClick={() => setImageAsked(new Set([...imageAsked, t.name]))}
                >
                  Add image preprocessing
                </button>
              </p>
            </div>
          ),
        )}
        {draft.inputs.length === 0 ? <p className="muted">The model declares no inputs.</p> : null}
      </Section>
      <MetricsTable
        metrics={draft.metrics ?? []}
        problems={problems}
        edit={(metrics) => set({ metrics: metrics.length ? metrics : undefined })}
      />
      <TargetPicker
        manifest={draft}
        problems={problems}
        edit={(profiles) => set({ target: { ...draft.target, profiles } })}
      />
      <Section title="fleetpack.json">
        <details>
          <summary>Show the manifest as JSON</summary>
          <pre className="json" data-testid="manifest-json" tabIndex={0}>
            {JSON.stringify(draft, null, 2)}
          </pre>
        </details>
      </Section>
    </>
  );
}
