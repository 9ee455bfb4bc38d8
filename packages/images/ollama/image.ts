// Ollama (ollama/ollama) with the Vast base grafted on; the API sits behind Caddy's auth on 21434.
import { defineImage } from '@vast/conventions';

// Stated once: tracking (npm run track-releases) moves it to each GitHub release of ollama/ollama (vX.Y.Z, published
// as the Docker Hub tag X.Y.Z) once it is 12 hours old.
const OLLAMA_VERSION = '0.17.1';

export default defineImage({
  name: 'ollama',
  class: 'external',
  parent: 'base-image',
  description: 'Ollama image suitable for Vast.ai.',
  repository: 'vastai/ollama',
  track: [
    { upstream: 'ollama/ollama', source: { kind: 'github-releases', repository: 'ollama/ollama', tagPattern: '^v\\d+\\.\\d+\\.\\d+$' } },
  ],
  bootEnv: {
    OLLAMA_HOST: '127.0.0.1:11434',
    OLLAMA_MODELS: '$WORKSPACE/ollama/models',
  },
  steps: [
    {
      name: 'workspace',
      comment: 'Nothing to sync from upstream; the folder exists so the boot sync stage has a source.',
      run: 'mkdir -p /opt/workspace-internal\nollama --version',
    },
  ],
  services: [
    {
      name: 'ollama',
      portalLabel: 'Ollama API',
      portal: [{ label: 'Ollama API', externalPort: 21434, internalPort: 11434 }],
      command: [
        'ollama serve &',
        'server=$!',
        'for _ in $(seq 1 60); do curl -fsS "http://${OLLAMA_HOST}/api/tags" >/dev/null && break; sleep 1; done',
        'if [[ -n "${OLLAMA_MODEL:-}" ]]; then ollama pull "${OLLAMA_MODEL}" || { kill "$server"; exit 1; }; fi',
        'wait "$server"',
      ].join('\n'),
      pty: false,
    },
  ],
  defaultPortalConfig: true,
  // Its OpenAI-compatible API, as upstream's fragment lists it (the manifest's endpoints_openai).
  capabilities: {
    openaiEndpoints: [
      { service: 'Ollama API', path: '/v1', capabilities: ['chat', 'completions', 'embeddings', 'models'], modelsPath: '/v1/models' },
    ],
  },
  variants: [{ key: OLLAMA_VERSION, parent: 'stock-ubuntu24.04-py312', upstream: `ollama/ollama:${OLLAMA_VERSION}` }],
});
