# Sourced by cloudbuild.yaml's setup-infra and verify steps: the optional channel secrets the
# `secrets` step copied from Secret Manager into the workspace, as the variables setup_infra reads.
# A secret that does not exist leaves its variable empty, and that channel is not configured.
read -r SLACK PAGERDUTY WEBHOOK <<< "$SECRETS"
secret() { cat "/workspace/.secrets/$1" 2>/dev/null || true; }
export HELIOS_SLACK_TOKEN="$(secret "$SLACK")"
export HELIOS_PAGERDUTY_SERVICE_KEY="$(secret "$PAGERDUTY")"
export HELIOS_ALERT_WEBHOOK_PASSWORD="$(secret "$WEBHOOK")"
