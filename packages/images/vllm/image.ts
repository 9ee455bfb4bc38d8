// vLLM's OpenAI server image (vllm/vllm-openai) with the Vast base grafted on: portal, Caddy auth, Jupyter, Ray.
import { defineImage } from '@vast/conventions';

// Stated once: tracking (npm run track-releases) moves it to each vllm/vllm-openai release once it is 12 hours old,
// and every variant's upstream tag and key follows.
const VLLM_VERSION = '0.13.0';
const VLLM = [
  { upstream: `vllm/vllm-openai:v${VLLM_VERSION}`, cuda: '12.9' },
  { upstream: `vllm/vllm-openai:v${VLLM_VERSION}-cu130`, cuda: '13.0' },
];

export default defineImage({
  name: 'vllm',
  class: 'external',
  parent: 'base-image',
  description: 'vLLM image suitable for Vast.ai.',
  repository: 'vastai/vllm',
  // Docker Hub's release tags (vX.Y.Z); the -cu130 and arch variant tags do not match and follow the version.
  track: [
    {
      upstream: 'vllm/vllm-openai',
      source: { kind: 'dockerhub-tags', repository: 'vllm/vllm-openai', tagPattern: '^v\\d+\\.\\d+\\.\\d+$' },
    },
  ],
  env: { VLLM_TEST_ENDPOINT: 'chat' },
  bootEnv: {
    VLLM_CACHE_ROOT: '$WORKSPACE/.vllm_cache',
    RAY_ARGS: '--head --port 6379 --dashboard-host 127.0.0.1 --dashboard-port 28265',
    RAY_ADDRESS: '127.0.0.1:6379',
    AUTO_PARALLEL: '${USE_ALL_GPUS:-true}',
  },
  steps: [
    {
      name: 'vllm-workspace',
      comment: "Upstream's examples land in the workspace on first boot; ray[default] brings the dashboard.",
      run: [
        'if [[ -d /vllm-workspace ]]; then mv /vllm-workspace/* /opt/workspace-internal/ && rmdir /vllm-workspace; fi',
        'uv pip install --system --no-cache-dir "ray[default]"',
        "sed -i '1s|.*|#!/venv/main/bin/python|' /usr/local/bin/vllm",
        'vllm --version',
      ].join('\n'),
    },
  ],
  services: [
    {
      name: 'vllm',
      portalLabel: 'vLLM API',
      portal: [{ label: 'vLLM API', externalPort: 8000, internalPort: 18000, path: '/docs' }],
      command: [
        'if [[ -z "${VLLM_MODEL:-}" ]]; then echo "VLLM_MODEL is not set: nothing to serve. Set it in the template."; sleep 6; exit 0; fi',
        '# shellcheck disable=SC2086 # VLLM_ARGS is a list of flags',
        'vllm serve "${VLLM_MODEL}" --host 127.0.0.1 --port 18000 ${VLLM_ARGS:-}',
      ].join('\n'),
    },
    {
      name: 'ray',
      portalLabel: 'Ray Dashboard',
      portal: [{ label: 'Ray Dashboard', externalPort: 8265, internalPort: 28265 }],
      command: ['# shellcheck disable=SC2086 # RAY_ARGS is a list of flags', 'ray start ${RAY_ARGS} --block'].join('\n'),
    },
  ],
  defaultPortalConfig: true,
  // Its OpenAI-compatible API, as upstream's fragment lists it (the manifest's endpoints_openai).
  capabilities: {
    openaiEndpoints: [
      { service: 'vLLM API', path: '/v1', capabilities: ['chat', 'completions', 'embeddings', 'models'], modelsPath: '/v1/models' },
    ],
  },
  variants: VLLM.map((v) => ({
    key: `${VLLM_VERSION}-cuda-${v.cuda}`,
    parent: 'stock-ubuntu24.04-py312',
    upstream: v.upstream,
    cuda: v.cuda,
  })),
});
