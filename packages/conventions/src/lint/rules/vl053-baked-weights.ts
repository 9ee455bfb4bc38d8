import { lineOfMatch, runScripts } from './helpers';
import type { LintRule } from '../types';

const DOWNLOAD =
  /\b(hf download|huggingface-cli download|hf_hub_download\(|snapshot_download\()|\b(wget|curl)\b[^;\n]*\.(safetensors|gguf|ckpt|pth|onnx)\b/;

export const bakedWeightsRule: LintRule = {
  code: 'VL053',
  severity: 'error',
  description: 'No model weights are baked into an image; they download at run time, after provisioning.',
  check(context, report) {
    for (const script of runScripts(context)) {
      const line = lineOfMatch(script, DOWNLOAD);
      if (line !== undefined)
        report({
          file: script.file,
          line,
          message: `downloads model weights at build time (gigabytes in every pull). Fetch them in a provisioning script or at service start.`,
        });
    }
  },
};
