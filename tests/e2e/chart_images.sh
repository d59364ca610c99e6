#!/usr/bin/env bash
# The chart's default images are what docker/Dockerfile.* build: each Dockerfile names its image
# on an `# image:` line (the tag its docker build command uses); the rendered Deployment must run
# the operator image and pass the sidecar image to the operator, the dashboard's Deployment must run
# the dashboard image, and the versions must agree with
# Chart.yaml's appVersion and the CMake project version. The Dockerfiles run as non-root 65532.
# The Dockerfiles are what docker/images.sh (the recipe `make images` builds) generates, so the
# docker build route and the daemonless one cannot drift apart; tests/e2e/image_run.sh checks the
# built archives against the chart.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

rendered=$("$helm" template dragops "$chart" --namespace dragops-system --show-only templates/deployment.yaml 2>/dev/null)
rendered_dashboard=$("$helm" template dragops "$chart" --namespace dragops-system --show-only templates/dashboard.yaml 2>/dev/null)
app_version=$(awk -F'"' '/^appVersion:/ { print $2 }' "$chart/Chart.yaml")
project_version=$(sed -n 's/^project(dragops_connections VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
[ "$app_version" = "$project_version" ] || fail "Chart.yaml appVersion $app_version != CMake project version $project_version"

for component in operator sidecar dashboard; do
  dockerfile="$repo/docker/Dockerfile.$component"
  image=$(sed -n 's/^# image: //p' "$dockerfile")
  build_tag=$(sed -n 's/^#   docker build .* -t \([^ ]*\) .*/\1/p' "$dockerfile")
  arg_version=$(sed -n 's/^ARG VERSION=//p' "$dockerfile")
  [ -n "$image" ] || { fail "$dockerfile has no '# image:' line"; continue; }
  [ "$image" = "$build_tag" ] || fail "$dockerfile: '# image: $image' but its docker build line tags $build_tag"
  [ "${image##*:}" = "$app_version" ] || fail "$dockerfile builds tag ${image##*:}, Chart.yaml appVersion is $app_version"
  [ "$arg_version" = "$app_version" ] || fail "$dockerfile: ARG VERSION=$arg_version, appVersion is $app_version"
  grep -qx 'USER 65532:65532' "$dockerfile" || fail "$dockerfile does not switch to user 65532"
  grep -qx "ENTRYPOINT \[\"/usr/local/bin/dragops-$component\"\]" "$dockerfile" || fail "$dockerfile: ENTRYPOINT is not the binary"
  [ "$(grep -c '^FROM ' "$dockerfile")" -ge 2 ] || fail "$dockerfile is not multi-stage"
  case $component in
    operator) grep -qF "image: \"$image\"" <<<"$rendered" || fail "chart's operator image is not $image: $(grep 'image:' <<<"$rendered")" ;;
    sidecar)  grep -qF -- "--sidecar-image=$image" <<<"$rendered" || fail "chart's --sidecar-image is not $image: $(grep -- '--sidecar-image' <<<"$rendered")" ;;
    dashboard) grep -qF "image: \"$image\"" <<<"$rendered_dashboard" || fail "chart's dashboard image is not $image: $(grep 'image:' <<<"$rendered_dashboard")" ;;
  esac
  echo "ok   $component: chart default = $image = docker/Dockerfile.$component"
done

if drift=$("$repo/docker/images.sh" check 2>&1); then
  echo "ok   docker/Dockerfile.operator, .sidecar and .dashboard are the recipe's (docker/images.sh)"
else
  fail "the Dockerfiles drifted from docker/images.sh: $drift"
fi

[ "$failures" -eq 0 ] || { echo "chart_images: $failures failure(s)"; exit 1; }
echo "chart_images: all checks passed"
