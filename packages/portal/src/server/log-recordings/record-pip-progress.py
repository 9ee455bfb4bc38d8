# Records pip's own progress display (its vendored rich) redrawing two downloads in place: `python3 record-pip-progress.py > pip-two-downloads.ansi` (pip 23.2.1, Debian bookworm). The log-screen spec replays the bytes.
import io, sys
from pip._vendor.rich.console import Console
from pip._vendor.rich.progress import Progress, BarColumn, DownloadColumn
console = Console(file=sys.stdout, force_terminal=True, width=60, color_system="standard", legacy_windows=False)
with Progress("[progress.description]{task.description}", BarColumn(bar_width=20), DownloadColumn(), console=console, auto_refresh=False) as progress:
    a = progress.add_task("torch.whl", total=4_000_000)
    b = progress.add_task("numpy.whl", total=2_000_000)
    for i in range(3):
        progress.advance(a, 1_000_000)
        progress.advance(b, 500_000)
        progress.refresh()
    progress.advance(a, 1_000_000); progress.advance(b, 500_000); progress.refresh()
