// ComfyUI at a pinned ref in /opt/workspace-internal (synced to $WORKSPACE at boot), on the pytorch image's torch.
import { defineImage } from '@vast/conventions';

export default defineImage({
  name: 'comfyui',
  class: 'derivative',
  parent: 'pytorch',
  description: 'ComfyUI image suitable for Vast.ai.',
  repository: 'vastai/comfy',
  upstreamTags: { scheme: 'release', arg: 'COMFYUI_REF' },
  args: { COMFYUI_REF: 'v0.3.75' },
  // Scheduled tracking (npm run track-releases) moves COMFYUI_REF to each release once it is 12 hours old.
  track: [
    { arg: 'COMFYUI_REF', source: { kind: 'github-releases', repository: 'Comfy-Org/ComfyUI', tagPattern: '^v\\d+\\.\\d+\\.\\d+$' } },
  ],
  env: { COMFYUI_ARGS: '--disable-auto-launch --enable-cors-header --listen 127.0.0.1 --port 18188' },
  steps: [
    {
      name: 'comfyui',
      comment: "ComfyUI's requirements pin torch too; those lines are dropped so the parent's CUDA build stays (the guard checks).",
      torchGuard: true,
      run: [
        'apt-get update',
        'apt-get install -y --no-install-recommends libtcmalloc-minimal4 libmagic1',
        'rm -rf /var/lib/apt/lists/*',
        'git clone https://github.com/comfyanonymous/ComfyUI /opt/workspace-internal/ComfyUI',
        'cd /opt/workspace-internal/ComfyUI',
        'git checkout "${COMFYUI_REF}"',
        "sed -i -E '/^(torch|torchvision|torchaudio|torchcodec)([<>=!~ ;].*)?$/d' requirements.txt",
        'uv pip install --no-cache-dir -r requirements.txt',
        'git clone https://github.com/Comfy-Org/ComfyUI-Manager custom_nodes/ComfyUI-Manager',
        "sed -i -E '/^(torch|torchvision|torchaudio|torchcodec)([<>=!~ ;].*)?$/d' custom_nodes/ComfyUI-Manager/requirements.txt",
        'uv pip install --no-cache-dir -r custom_nodes/ComfyUI-Manager/requirements.txt',
        'LD_PRELOAD=libtcmalloc_minimal.so.4 python main.py --cpu --listen 127.0.0.1 --port 11404 --disable-auto-launch --quick-test-for-ci',
      ].join('\n'),
    },
    {
      name: 'api-wrapper',
      comment: 'The API wrapper turns ComfyUI workflows into a REST API (used by serverless); its own venv keeps its pins away from torch.',
      torchGuard: true,
      run: [
        'git clone https://github.com/ai-dock/comfyui-api-wrapper /opt/comfyui-api-wrapper',
        'uv venv --seed -p 3.12 /opt/comfyui-api-wrapper/.venv',
        'VIRTUAL_ENV=/opt/comfyui-api-wrapper/.venv uv pip install --no-cache-dir -r /opt/comfyui-api-wrapper/requirements.txt',
      ].join('\n'),
    },
  ],
  services: [
    {
      name: 'comfyui',
      portalLabel: 'ComfyUI',
      portal: [{ label: 'ComfyUI', externalPort: 8188, internalPort: 18188 }],
      workdir: '/workspace/ComfyUI',
      autorestart: 'true',
      command: [
        '. /venv/main/bin/activate',
        'export LD_PRELOAD=libtcmalloc_minimal.so.4',
        '# shellcheck disable=SC2086 # COMFYUI_ARGS is a list of flags',
        'python main.py ${COMFYUI_ARGS}',
      ].join('\n'),
    },
    {
      name: 'api-wrapper',
      portalLabel: 'API Wrapper',
      portal: [{ label: 'API Wrapper', externalPort: 8288, internalPort: 18288, path: '/docs' }],
      workdir: '/opt/comfyui-api-wrapper',
      command: '.venv/bin/uvicorn main:app --host 127.0.0.1 --port 18288',
    },
  ],
  defaultPortalConfig: true,
  // Upstream's two builds (build-comfyui.yml): PYTORCH_BASE vastai/pytorch:2.10.0-cu128-cuda-12.9-mini-py312-<DATE> and
  // 2.10.0-cu130-cuda-13.2-mini-py312-<DATE>, i.e. pytorch's mini rows, tagged `<ref>-cuda-<X.Y>-py312`.
  variants: [
    { key: 'cuda-12.9-py312', parent: '2.10.0-cu128-cuda-12.9-mini-py312', cuda: '12.9', python: '3.12' },
    { key: 'cuda-13.2-py312', parent: '2.10.0-cu130-cuda-13.2-mini-py312', cuda: '13.2', python: '3.12' },
  ],
});
