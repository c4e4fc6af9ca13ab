import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onnxRuntimeProblem } from '../src/classifier/onnxNetwork.js';
import { doctorCommand } from '../src/commands/doctor.js';
import { SHIPPED_MODEL } from './helpers/paths.js';

// as on the armhf Raspberry Pi OS: npm installs onnxruntime-node, whose import fails on the binding it has no build of
vi.mock('onnxruntime-node', () => {
  throw new Error("Cannot find module '../bin/napi-v6/linux/arm/onnxruntime_binding.node'");
});

describe('why onnxruntime-node cannot run here', () => {
  it('says a 32-bit ARM machine has no build, whatever the error', () => {
    expect(onnxRuntimeProblem(new Error("Cannot find module '../bin/napi-v6/linux/arm/onnxruntime_binding.node'"), 'arm')).toBe(
      'onnxruntime-node has no build for this architecture (32-bit ARM)',
    );
    expect(onnxRuntimeProblem(new Error("Cannot find package 'onnxruntime-node' imported from /x/dist/chunk.js"), 'arm')).toBe(
      'onnxruntime-node has no build for this architecture (32-bit ARM)',
    );
  });

  it('tells a package left out from one that does not load', () => {
    expect(onnxRuntimeProblem(new Error("Cannot find package 'onnxruntime-node' imported from /x/dist/chunk.js"), 'x64')).toBe(
      'the optional package onnxruntime-node is not installed',
    );
    expect(onnxRuntimeProblem(new Error("/lib/libc.so.6: version `GLIBC_2.38' not found\nmore"), 'arm64')).toBe(
      "onnxruntime-node is installed but could not be loaded (/lib/libc.so.6: version `GLIBC_2.38' not found)",
    );
  });
});

describe('doctor where onnxruntime-node has no build', () => {
  const arch = process.arch;
  afterEach(() => Object.defineProperty(process, 'arch', { value: arch }));

  it('says in one line that auto falls back to wasm, and why', async () => {
    Object.defineProperty(process, 'arch', { value: 'arm' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-armhf-'));
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const io = { tf: () => import('@tensorflow/tfjs'), stdout, stderr: new PassThrough() };
    await doctorCommand(['--model', SHIPPED_MODEL, '--data-dir', dir], io);
    const autoLine = printed.split('\n').find((line) => /^\S+ +backend auto /.test(line));
    expect(autoLine).toMatch(
      /^ok {4}backend auto {2}would use wasm; passed over onnx: onnxruntime-node has no build for this architecture \(32-bit ARM\); node: the optional package @tensorflow\/tfjs-node is not installed$/,
    );
    expect(printed).toContain('--    backend onnx  The onnx backend cannot be used: onnxruntime-node has no build for this architecture (32-bit ARM); try --backend auto.');
    rmSync(dir, { recursive: true });
  }, 60_000);
});
