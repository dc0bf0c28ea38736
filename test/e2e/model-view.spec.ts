/**
 * Issue 14, items 11 and 13: the Model view shows what `inspect` knows (operator types with
 * counts and custom ops marked, metadata, per-tensor quantization), and stays short on a model
 * with thousands of nodes; image preprocessing is offered only for inputs that can be images.
 */
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { T, encodeModel, initializer, node, tensorType, valueInfo } from '../fixtures/onnx-models';
import { tfliteFixture } from '../fixtures/tflite-fixtures';
import { FIXTURES, writeFixtures } from './fixtures';
import { dropFile, expectAccessible, openStudio, shot } from './helpers';

const fx = writeFixtures();

/** Debian's libonnx-testdata: an LSTM whose inputs are sequences and weights, not images. */
const LSTM = '/usr/share/libonnx-testdata/data/node/test_lstm_with_initial_bias/model.onnx';

/** Shaped like silero VAD: audio samples, an LSTM state [2, batch, 128] and an int64 sample rate. */
function vadModel(): string {
  const path = join(FIXTURES, 'vad-like.onnx');
  writeFileSync(
    path,
    encodeModel({
      irVersion: 8,
      producerName: 'pytorch',
      producerVersion: '2.1.0',
      opsetImport: [{ domain: '', version: 16 }],
      graph: {
        name: 'vad',
        node: [
          node('Cast', ['sr'], ['srf'], { name: 'cast' }),
          node('MatMul', ['input', 'proj'], ['h'], { name: 'proj' }),
          node('Add', ['state', 'srf'], ['stateN'], { name: 'state' }),
          node('Sigmoid', ['h'], ['output'], { name: 'out' }),
        ],
        initializer: [initializer('proj', T.FLOAT, [512, 1])],
        input: [
          valueInfo('input', tensorType(T.FLOAT, ['batch', 512])),
          valueInfo('state', tensorType(T.FLOAT, [2, 'batch', 128])),
          valueInfo('sr', tensorType(T.INT64, [])),
        ],
        output: [
          valueInfo('output', tensorType(T.FLOAT, ['batch', 1])),
          valueInfo('stateN', tensorType(T.FLOAT, [2, 'batch', 128])),
        ],
      },
    }),
  );
  return path;
}

/** 4,001 nodes: 35 standard types ×100, 25 custom (com.acme.vision) ×20, one Identity; 14 metadata entries. */
const STANDARD_OPS = [
  ...['Conv', 'Relu', 'Add', 'Mul', 'Sigmoid', 'Concat', 'Reshape', 'Transpose', 'MaxPool', 'Resize'],
  ...['Slice', 'Split', 'Gather', 'Softmax', 'MatMul', 'Gemm', 'Sub', 'Div', 'Exp', 'Log'],
  ...['Sqrt', 'Pow', 'Tanh', 'Clip', 'Flatten', 'Squeeze', 'Unsqueeze', 'ReduceMean', 'ReduceSum', 'Pad'],
  ...['Shape', 'Cast', 'Where', 'Equal', 'Less', 'Greater', 'Not', 'And', 'Or', 'Identity'],
];
function manyOpsModel(): string {
  const path = join(FIXTURES, 'many-ops.onnx');
  const nodes = [];
  let prev = 'images';
  for (let i = 0; i < 4000; i++) {
    const custom = i % 8 === 7;
    const op = custom ? `AcmeOp${(i >> 3) % 25}` : STANDARD_OPS[i % STANDARD_OPS.length]!;
    const out = `t${i}`;
    nodes.push(node(op, [prev], [out], custom ? { domain: 'com.acme.vision' } : {}));
    prev = out;
  }
  nodes.push(node('Identity', [prev], ['scores']));
  writeFileSync(
    path,
    encodeModel({
      irVersion: 8,
      producerName: 'acme-exporter',
      producerVersion: '3.2',
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'com.acme.vision', version: 1 },
      ],
      metadataProps: [
        { key: 'author', value: 'ACME vision team' },
        { key: 'labels', value: Array.from({ length: 300 }, (_, i) => `class_${i}`).join(',') },
        ...Array.from({ length: 12 }, (_, i) => ({ key: `training.param_${i}`, value: String(i * 0.5) })),
      ],
      graph: {
        name: 'many',
        node: nodes,
        input: [valueInfo('images', tensorType(T.FLOAT, ['batch', 3, 320, 320]))],
        output: [valueInfo('scores', tensorType(T.FLOAT, ['batch', 80]))],
      },
    }),
  );
  return path;
}

test('a model with thousands of nodes: operator types with counts, custom ops marked, capped; metadata', async ({
  page,
}) => {
  await openStudio(page);
  await dropFile(page, manyOpsModel());
  const ops = page.getByTestId('model-operators');
  await expect(ops).toContainText('Operators: 4001 nodes, 61 types, 25 custom');
  // Most used first, and only the first page of types until asked.
  await expect(ops.locator('tbody tr').first()).toContainText(/Add\s*100/);
  await expect(ops.locator('tbody tr')).toHaveCount(15);
  await page.getByRole('button', { name: 'Show all 61 operator types' }).click();
  await expect(ops.locator('tbody tr')).toHaveCount(61);
  await expect(ops.locator('tr.op-custom')).toHaveCount(25);
  await expect(ops.locator('tr.op-custom').first()).toContainText(/com\.acme\.vision\.AcmeOp0\s*custom\s*20/);
  await expect(ops.getByRole('row', { name: /^Conv\b/ })).not.toContainText('custom');
  const meta = page.getByTestId('model-metadata');
  await expect(meta).toContainText('Metadata (14)');
  await expect(meta).toContainText('ACME vision team');
  await expect(meta).toContainText('(2889 characters)'); // the long label list is cut
  await expect(meta.locator('tbody tr')).toHaveCount(10);
  await page.getByRole('button', { name: 'Show all 14 metadata entries' }).click();
  await expect(meta.locator('tbody tr')).toHaveCount(14);
  await shot(page, 'model-view-operators');
  await expectAccessible(page, 'model operators');
});

test('a quantized TFLite model shows scale and zero point per tensor', async ({ page }) => {
  const path = join(FIXTURES, 'quantized.tflite');
  writeFileSync(path, tfliteFixture('quantized'));
  await openStudio(page);
  await dropFile(page, path);
  const inputs = page.getByTestId('tensors-inputs');
  await expect(inputs.getByRole('columnheader', { name: 'Scale' })).toBeVisible();
  await expect(inputs).toContainText('0.024480115622282028');
  await expect(inputs).toContainText('-128');
  const outputs = page.getByTestId('tensors-outputs');
  await expect(outputs).toContainText('0.00390625');
  await expect(page.getByTestId('model-metadata')).toContainText('min_runtime_version');
  await expect(page.getByTestId('model-operators')).toContainText('Operators: 1 node, 1 type');
  await shot(page, 'model-view-quantized');
  await expectAccessible(page, 'model quantized');
});

test('image preprocessing only for inputs that can be images; the others can add it', async ({ page }) => {
  await openStudio(page);
  await dropFile(page, vadModel());
  await expect(page.getByTestId('model-format')).toContainText('ONNX (IR version 8)');
  await page.getByTestId('step-manifest').click();
  const plain = page.getByTestId('input-not-image');
  await expect(plain).toHaveCount(3);
  await expect(page.getByRole('group', { name: /Preprocessing for/ })).toHaveCount(0);
  await expect(page.getByLabel('Layout')).toHaveCount(0);
  await expect(plain.filter({ hasText: 'sr' })).toContainText('int64');
  await shot(page, 'manifest-vad-no-image-fields');
  await expectAccessible(page, 'vad inputs');
  await page.getByRole('button', { name: 'Add image preprocessing to state' }).click();
  await expect(page.getByRole('group', { name: 'Preprocessing for state' })).toBeVisible();
  await expect(page.getByTestId('input-not-image')).toHaveCount(2);

  // Debian's LSTM test model: sequence, weights and recurrence inputs, none an image.
  await page.getByTestId('step-model').click();
  await dropFile(page, LSTM);
  await expect(page.getByRole('table', { name: 'Inputs' })).toContainText('R');
  await page.getByTestId('step-manifest').click();
  await expect(page.getByTestId('input-not-image')).toHaveCount(4);
  await expect(page.getByRole('group', { name: /Preprocessing for/ })).toHaveCount(0);

  // An image classifier keeps its fields.
  await page.getByTestId('step-model').click();
  await dropFile(page, fx.model);
  await expect(page.getByRole('table', { name: 'Inputs' })).toContainText('images');
  await page.getByTestId('step-manifest').click();
  await expect(page.getByRole('group', { name: 'Preprocessing for images' })).toBeVisible();
  await expect(page.getByTestId('input-not-image')).toHaveCount(0);
  await shot(page, 'manifest-image-fields');
});
