#!/bin/sh
# luksa/batch-job: works for two minutes (BATCH_SECONDS), then exits 0.
echo "$(date) Batch job starting"
sleep "${BATCH_SECONDS:-120}"
echo "$(date) Finished succesfully"
