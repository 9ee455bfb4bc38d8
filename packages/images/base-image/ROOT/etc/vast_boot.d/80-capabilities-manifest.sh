#!/bin/bash
# Boot stage 80 (sourced by boot_default.sh): writes /etc/vast_capabilities.json, the agent guide, AGENTS.md/CLAUDE.md links and the banner line.
#
# After provisioning (75) and before /.provisioning goes (95), as upstream: the snapshot shows provisioning as it
# ended. The work is in the portal bundle (capabilities.cjs), which renders the manifest the portal serves live.
# It reads ENABLE_AGENT_BANNER (false with --no-agent-banner) from this environment to leave the banner line out.
stage_capabilities_manifest() {
    # At low priority: the services supervisord has just started share the CPU with it, and they are what users wait for.
    nice -n 10 node /opt/portal/capabilities.cjs boot
}

stage_capabilities_manifest
