#!/usr/bin/env bash
# CI: the product a user gets. Builds the wheel, checks it holds every packaged config and label map,
# installs it into a fresh virtual environment in a temporary directory (dependencies from the package
# registry or pip's cache) and runs actionrec from outside the checkout: --version, config list, flops and
# recognize on packaged configs by name (recognize with a local checkpoint), and demo --quick.
# Usage: .ci/wheel_smoke.sh            (PYTHON: the interpreter for the fresh venv, default python3;
#                                        BUILD_PYTHON: the one that builds the wheel, default .venv/bin/python)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build_python="${BUILD_PYTHON:-$repo/.venv/bin/python}"
[ -x "$build_python" ] || build_python=python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT INT TERM
start=$SECONDS
step() { printf '\n[wheel smoke %3ds] %s\n' "$((SECONDS - start))" "$*"; }

step "build the wheel"
"$build_python" -m pip wheel "$repo" -w "$tmp/dist" --no-deps --quiet
wheel="$(ls "$tmp"/dist/actionrec-*.whl)"

step "the wheel holds every config and label map of the checkout"
(cd "$repo" && git ls-files actionrec/configs actionrec/label_maps actionrec/zoo_entries.json) > "$tmp/tracked.txt"
"$build_python" - "$wheel" "$tmp/tracked.txt" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
tracked = [line.strip() for line in open(sys.argv[2]) if line.strip()]
missing = [path for path in tracked if path not in names]
if missing or not tracked:
    sys.exit(f"the wheel lacks {len(missing)} of {len(tracked)} data files, e.g. {missing[:5]}")
print(f"{len(tracked)} configs, label maps and the zoo's data: all in {sys.argv[1].rsplit('/', 1)[-1]}")
EOF

step "a fresh virtual environment, the wheel installed with its dependencies"
"${PYTHON:-python3}" -m venv "$tmp/venv"
# (this machine's pip configuration names local indexes; their "Location ... is ignored" notes are noise)
"$tmp/venv/bin/python" -m pip install --quiet --no-compile --disable-pip-version-check "$wheel" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
actionrec="$tmp/venv/bin/actionrec"

cd "$tmp"  # outside the checkout: nothing can come from it
export ACTIONREC_HOME="$tmp/home" ACTIONREC_PROGRESS_INTERVAL=30
"$tmp/venv/bin/python" -c "import actionrec, sys; sys.exit(0 if actionrec.__file__.startswith('$tmp/venv/') else 1)"

step "actionrec --version"
"$actionrec" --version

step "actionrec config list"
"$actionrec" config list > configs.txt
tail -n 1 configs.txt
grep -q "^tsn_r50_1x1x3_100e_kinetics400_rgb " configs.txt

step "actionrec flops, a packaged config by name"
"$actionrec" flops tsn_r50_1x1x3_100e_kinetics400_rgb | tee flops.txt
grep -q "params: 24.33 M" flops.txt

step "actionrec recognize, a packaged config by name with a local checkpoint"
video="$repo/../shared/data/demo.mp4"
[ -f "$video" ] || video=/work/shared/data/demo.mp4
if [ -f "$video" ]; then
    cp "$video" demo.mp4
else  # no shared data beside the clone: a short video made here
    "$tmp/venv/bin/python" - <<'EOF'
import av, numpy as np
with av.open("demo.mp4", "w") as out:
    stream = out.add_stream("libx264", rate=25)
    stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
    for i in range(50):
        image = np.full((96, 128, 3), (5 * i) % 256, np.uint8)
        out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
    out.mux(stream.encode())
EOF
fi
"$tmp/venv/bin/python" -c "
import torch, actionrec
torch.manual_seed(0)
torch.save(actionrec.build_model('tsn_r50_1x1x3_100e_kinetics400_rgb').state_dict(), 'tsn_k400.pth')"
# one 56 px view instead of the config's 25 segments x 10 crops at 224: the same code, seconds not minutes
"$actionrec" recognize demo.mp4 --config tsn_r50_1x1x3_100e_kinetics400_rgb --checkpoint tsn_k400.pth --topk 3 \
    --cfg-options data.test.pipeline.0.num_clips=1 "data.test.pipeline.2.scale=(-1, 64)" \
    "data.test.pipeline.3.type='CenterCrop'" data.test.pipeline.3.crop_size=56 | tee recognized.txt
# the config's label map ships in the package: Kinetics-400 names, not class_<i>
if grep -q "class_" recognized.txt; then echo "recognize printed class indices, not the packaged label map"; exit 1; fi

step "actionrec demo --quick"
"$actionrec" demo --quick --out "$tmp/demo" --no-progress 2>&1 | tail -n 6

step "passed in $((SECONDS - start)) s"
