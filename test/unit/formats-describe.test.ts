import { describe, expect, it } from 'vitest';
import { formatLabel, operatorList } from '../../src-main/formats/index.js';

describe('operatorList (inspect and the Studio Model view)', () => {
  it('lists used types most used first, with domains, custom ops marked', () => {
    const ops = operatorList({
      operators: [
        { domain: '', opType: 'Relu', count: 3 },
        { domain: 'com.example', opType: 'MyOp', count: 1 },
        { domain: '', opType: 'Conv', count: 3 },
        { domain: 'com.microsoft', opType: 'FusedConv', count: 2 },
        { domain: '', opType: 'Unused', count: 0 },
      ],
      customOps: ['com.example.MyOp'],
    });
    expect(ops).toEqual([
      { name: 'Conv', count: 3, custom: false },
      { name: 'Relu', count: 3, custom: false },
      { name: 'com.microsoft.FusedConv', count: 2, custom: false },
      { name: 'com.example.MyOp', count: 1, custom: true },
    ]);
  });
  it('marks TFLite custom codes', () => {
    const ops = operatorList({
      operators: [{ domain: 'custom', opType: 'TFLite_Detection_PostProcess', count: 1 }],
      customOps: ['TFLite_Detection_PostProcess'],
    });
    expect(ops).toEqual([{ name: 'custom.TFLite_Detection_PostProcess', count: 1, custom: true }]);
  });
  it('says what the format version counts', () => {
    expect(formatLabel({ format: 'onnx', formatVersion: '8' })).toBe('ONNX (IR version 8)');
  });
});
