#!/usr/bin/env bash
# Audits what PostgreSQL holds for one experiment: per step, how many rollout groups are stored and how often each
# was written. A run that survived crashes (silo or trainer killed mid-step) must show every step's groups stored
# exactly once (version 1: written once, never recomputed or overwritten) and no step with a missing group.
# Usage: bash scripts/grpo_audit.sh SERVICE_ID EXPERIMENT PROBLEMS_PER_STEP [CONNECTION]
#   SERVICE_ID: the silos' Apr:ServiceId (grpo_demo.sh uses the experiment's name); CONNECTION: an Npgsql connection
#   string (default: the cluster of scripts/postgres.sh, or APR_POSTGRES). Exit 0 when the audit passes, 1 if not.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 3 ]] || { echo "usage: bash scripts/grpo_audit.sh SERVICE_ID EXPERIMENT PROBLEMS_PER_STEP [CONNECTION]" >&2; exit 2; }
service=$1; experiment=$2; per_step=$3
[[ "$per_step" =~ ^[1-9][0-9]*$ ]] || { echo "grpo_audit: PROBLEMS_PER_STEP '$per_step' is not a positive integer" >&2; exit 2; }
conn=${4:-${APR_POSTGRES:-$(bash scripts/postgres.sh start)}}
field() { tr ';' '\n' <<< "$conn" | sed -n "s/^$1=//Ip" | head -1; }
export PGHOST=$(field Host) PGPORT=$(field Port) PGUSER=$(field Username) PGPASSWORD=$(field Password) PGDATABASE=$(field Database)

# Rollout grains are keyed "{experiment}/{step}/{index}"; a stored group is a row with a payload.
rows=$(psql -X -A -t -F ' ' -v ON_ERROR_STOP=1 -v service="$service" -v prefix="$experiment/%" <<'SQL'
SELECT split_part(grainidextensionstring, '/', 2)::int AS step,
       count(*), count(DISTINCT split_part(grainidextensionstring, '/', 3)), min(version), max(version)
FROM orleansstorage
WHERE serviceid = :'service' AND graintypestring = 'rollout' AND grainidextensionstring LIKE :'prefix'
  AND payloadbinary IS NOT NULL
GROUP BY 1 ORDER BY 1;
SQL
)
[[ -n "$rows" ]] || { echo "grpo_audit: no stored groups of experiment '$experiment' under service id '$service'" >&2; exit 1; }
failed=0
printf '%6s %7s %9s %s\n' step groups writes verdict
while read -r step groups distinct low high; do
  verdict=ok
  (( groups != distinct )) && verdict="duplicate rows"
  (( high != 1 || low != 1 )) && verdict="written $low..$high times"
  (( groups > per_step )) && verdict="more groups than $per_step"
  (( groups < per_step )) && verdict="$groups of $per_step (in production, or lost)"
  [[ $verdict == ok || $verdict == *"in production"* ]] || failed=1
  printf '%6s %7s %9s %s\n' "$step" "$groups" "$low..$high" "$verdict"
done <<< "$rows"
# Only the last step may be incomplete (still in production): a gap before it is a lost group.
incomplete=$(awk -v n="$per_step" '$2 < n {print $1}' <<< "$rows")
last=$(tail -1 <<< "$rows" | cut -d' ' -f1)
for step in $incomplete; do [[ $step == "$last" ]] || { echo "grpo_audit: step $step is incomplete but later steps exist" >&2; failed=1; }; done
steps=$(wc -l <<< "$rows"); first=$(head -1 <<< "$rows" | cut -d' ' -f1)
(( first == 0 && last == steps - 1 )) || { echo "grpo_audit: steps are not contiguous from 0 (first $first, last $last, $steps steps)" >&2; failed=1; }
(( failed == 0 )) && echo "grpo_audit: $experiment: steps 0..$last, every group stored exactly once" || echo "grpo_audit: $experiment: FAILED" >&2
exit $failed
