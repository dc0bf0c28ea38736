import { useEffect, useState } from 'react';
import type { TensorSpec } from '../../src-main/studio/contract';
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

function TensorTable({ title, tensors }: { title: string; tensors: TensorSpec[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">dtype</th>
            <th scope="col">Shape</th>
          </tr>
        </thead>
        <tbody>
          {tensors.length === 0 ? (
            <tr>
              <td colSpan={3} className="muted">
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
              </tr>
            ))
          )}
        </tbody>
      </table>
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
        </Section>
      ) : null}
    </>
  );
}
