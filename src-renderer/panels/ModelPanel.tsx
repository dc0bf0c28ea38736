import { useEffect, useState } from 'react';
import type { OperatorUse, TensorSpec } from '../../src-main/studio/contract';
import { getClient } from '../api/client';
import { Bar, ErrorNote, FileButton, JobBar, Note, Section, Shape, formatBytes } from '../components/common';
import { useStudio } from '../store';

const MODEL_ACCEPT = '.onnx,.tflite,.engine,.plan,.trt,application/octet-stream';

export function DropZone() {
  const openModelFile = useStudio((s) => s.openModelFile);
  const openModelDialog = useStudio((s) => s.openModelDialog);
  const busy = useStudio((s) => s.modelBusy);
  const examples = useStudio((s) => s.examples);
  const loadExamples = useStudio((s) => s.loadExamples);
  const openExample = useStudio((s) => s.openExample);
  const [over, setOver] = useState(false);
  const electron = getClient().kind === 'electron';
  useEffect(() => void loadExamples(), [loadExamples]);
  const example = examples?.[0];
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid="dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file && !busy) void openModelFile(file);
      }}
    >
      <p className="drop-title">Drop an ONNX, TFLite or TensorRT model here</p>
      <p className="muted">Fleetpack reads the header only; the weights stay on this computer.</p>
      {electron ? (
        <button type="button" className="btn primary" onClick={() => void openModelDialog()} disabled={busy}>
          Open…
        </button>
      ) : (
        <FileButton
          label="Open…"
          primary
          accept={MODEL_ACCEPT}
          testId="model-input"
          disabled={busy}
          onFiles={(f) => void openModelFile(f[0]!)}
        />
      )}
      {example ? (
        <p className="muted try-example">
          No model at hand?{' '}
          <button
            type="button"
            className="btn"
            onClick={() => void openExample(example.name)}
            disabled={busy}
            data-testid="try-example"
          >
            Try an example
          </button>{' '}
          {example.title}, with metrics and a device fleet.
        </p>
      ) : null}
    </div>
  );
}

/** Numbers of a quantization parameter: all of them per tensor, the first few per channel. */
function quantNumbers(values: number[]): string {
  const shown = values.slice(0, 4).map((v) => String(v));
  return values.length > 4 ? `${shown.join(', ')}, … (${values.length})` : shown.join(', ');
}

function TensorTable({ title, tensors }: { title: string; tensors: TensorSpec[] }) {
  const quantized = tensors.some((t) => t.quantization);
  return (
    <div className="table-wrap">
      <table data-testid={`tensors-${title.toLowerCase()}`}>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">dtype</th>
            <th scope="col">Shape</th>
            {quantized ? (
              <>
                <th scope="col">Scale</th>
                <th scope="col">Zero point</th>
              </>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {tensors.length === 0 ? (
            <tr>
              <td colSpan={quantized ? 5 : 3} className="muted">
                None known
              </td>
            </tr>
          ) : (
            tensors.map((t) => (
              <tr key={t.name}>
                <td>
                  <code>{t.name}</code>
                </td>
                <td>{t.dtype}</td>
                <td>
                  <Shape shape={t.shape} />
                </td>
                {quantized ? (
                  t.quantization ? (
                    <>
                      <td>
                        {quantNumbers(t.quantization.scale)}
                        {t.quantization.axis !== undefined ? (
                          <span className="muted"> per channel, axis {t.quantization.axis}</span>
                        ) : null}
                      </td>
                      <td>{quantNumbers(t.quantization.zeroPoint)}</td>
                    </>
                  ) : (
                    <>
                      <td className="muted">—</td>
                      <td className="muted">—</td>
                    </>
                  )
                ) : null}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Operator types shown before "Show all": a model with hundreds of types stays one screen. */
const OPERATORS_SHOWN = 15;
/** Metadata entries shown before "Show all", and characters of a value (some hold whole label files). */
const METADATA_SHOWN = 10;
const METADATA_CHARS = 400;

function OperatorTable({ operators }: { operators: OperatorUse[] }) {
  const [all, setAll] = useState(false);
  if (operators.length === 0) return null;
  const nodes = operators.reduce((a, o) => a + o.count, 0);
  const custom = operators.filter((o) => o.custom).length;
  const shown = all ? operators : operators.slice(0, OPERATORS_SHOWN);
  return (
    <div className="table-wrap">
      <table data-testid="model-operators">
        <caption>
          Operators: {nodes} node{nodes === 1 ? '' : 's'}, {operators.length} type{operators.length === 1 ? '' : 's'}
          {custom ? `, ${custom} custom` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Operator</th>
            <th scope="col">Nodes</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((o) => (
            <tr key={o.name} className={o.custom ? 'op-custom' : undefined}>
              <td>
                <code>{o.name}</code>
                {o.custom ? <span className="tag tag-warn">custom</span> : null}
              </td>
              <td>{o.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {operators.length > shown.length ? (
        <button type="button" className="btn small" onClick={() => setAll(true)}>
          Show all {operators.length} operator types
        </button>
      ) : null}
    </div>
  );
}

function MetadataTable({ metadata }: { metadata: Record<string, string> }) {
  const [all, setAll] = useState(false);
  const entries = Object.entries(metadata);
  if (entries.length === 0) return null;
  const shown = all ? entries : entries.slice(0, METADATA_SHOWN);
  return (
    <div className="table-wrap">
      <table data-testid="model-metadata">
        <caption>Metadata ({entries.length})</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {shown.map(([k, v]) => (
            <tr key={k}>
              <td>
                <code>{k}</code>
              </td>
              <td className="meta-value">
                {v.length > METADATA_CHARS ? `${v.slice(0, METADATA_CHARS)}… (${v.length} characters)` : v}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length > shown.length ? (
        <button type="button" className="btn small" onClick={() => setAll(true)}>
          Show all {entries.length} metadata entries
        </button>
      ) : null}
    </div>
  );
}

export function ModelPanel() {
  const model = useStudio((s) => s.model);
  const error = useStudio((s) => s.modelError);
  const upload = useStudio((s) => s.upload);
  const busy = useStudio((s) => s.modelBusy);
  const digestJob = useStudio((s) => s.digestJob);
  const digestState = useStudio((s) => s.digestState);
  const artifact = useStudio((s) => s.mstate?.manifest.artifact);
  const setCompanion = useStudio((s) => s.setCompanion);
  const goTo = useStudio((s) => s.goTo);
  const example = useStudio((s) => s.example);
  const modelSha = artifact?.files.find((f) => f.path === artifact.file)?.sha256;

  return (
    <>
      <DropZone />
      {upload ? <Bar done={upload.done} total={upload.total} label={`Sending ${upload.name}`} /> : null}
      {busy && !upload ? (
        <p className="muted" role="status">
          Reading the model header…
        </p>
      ) : null}
      <ErrorNote error={error} title={error ? 'This file could not be opened as a model' : undefined} />
      {model ? (
        <Section
          title={model.file.name}
          actions={
            <button type="button" className="btn primary" onClick={() => goTo('manifest')}>
              Continue to manifest
            </button>
          }
        >
          {example ? (
            <Note kind="info">
              <p data-testid="example-note">
                <strong>Example: {example.title}.</strong> {example.description} Its metrics are already in the Manifest
                step and its device fleet in Compatibility; complete the manifest to sign and package it.
              </p>
            </Note>
          ) : null}
          <dl className="facts" data-testid="model-facts">
            <dt>Format</dt>
            <dd data-testid="model-format">{model.formatLabel}</dd>
            <dt>Producer</dt>
            <dd>{[model.info.producer?.name, model.info.producer?.version].filter(Boolean).join(' ') || '—'}</dd>
            <dt>Runtime needs</dt>
            <dd>{model.runtimeNeeds.length ? model.runtimeNeeds.join(' · ') : '—'}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(model.file.size)}</dd>
            {model.info.quantization ? (
              <>
                <dt>Quantization</dt>
                <dd>{model.info.quantization}</dd>
              </>
            ) : null}
            <dt>SHA-256</dt>
            <dd data-testid="model-digest">
              {digestState === 'done' && modelSha ? (
                <code className="digest">{modelSha}</code>
              ) : digestState === 'failed' ? (
                <span className="bad">hashing failed</span>
              ) : (
                <JobBar jobId={digestJob} label="Hashing" />
              )}
              {digestState === 'running' ? <span className="muted"> computing in the background…</span> : null}
            </dd>
          </dl>
          {model.info.partial ? (
            <p className="muted" role="status" data-testid="model-partial">
              Read from the start and end of the file while it arrives; still reading the weights for:{' '}
              {model.info.partial.unknown.join('; ')}.
            </p>
          ) : null}
          {model.info.customOps.length > 0 ? (
            <Note kind="warn">
              <strong>Custom operators:</strong> {model.info.customOps.join(', ')}. Devices need a runtime that
              registers them.
            </Note>
          ) : null}
          {model.info.externalData.length > 0 ? (
            <Note kind="warn">
              <strong>External data:</strong> {model.info.externalData.map((x) => x.location).join(', ')} must ship with
              the model.
            </Note>
          ) : null}
          {model.info.warnings.map((w) => (
            <Note kind="warn" key={w.code + w.message}>
              {w.message}
            </Note>
          ))}
          {model.needsCompanion ? (
            <Note kind="warn">
              <p>
                <strong>A TensorRT engine does not record its inputs and outputs in a readable form.</strong> Add the
                ONNX model it was built from, or its Triton <code>config.pbtxt</code>, to fill them in.
              </p>
              <FileButton
                label="Add companion ONNX / config.pbtxt…"
                accept=".onnx,.pbtxt,.txt"
                testId="companion-input"
                onFiles={(f) => void setCompanion(f[0]!)}
              />
            </Note>
          ) : null}
          {model.companion ? <p className="muted">Inputs and outputs taken from {model.companion.name}.</p> : null}
          {model.info.unknowns?.length ? (
            <p className="muted">
              Not in the file: {model.info.unknowns.map((u) => u.replace(/\.+$/, '')).join('; ')}.
            </p>
          ) : null}
          <div className="two-col">
            <TensorTable title="Inputs" tensors={model.info.inputs} />
            <TensorTable title="Outputs" tensors={model.info.outputs} />
          </div>
          <div className="two-col">
            <OperatorTable operators={model.operators} />
            <MetadataTable metadata={model.info.metadata} />
          </div>
        </Section>
      ) : null}
    </>
  );
}
