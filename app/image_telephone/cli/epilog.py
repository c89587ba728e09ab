"""The end of `image-telephone --help`: the environment variables read and the exit codes."""

EPILOG = """\
environment:
  OPENAI_API_KEY       the openai provider's key; when set, openai is the default provider
  OPENAI_BASE_URL      an OpenAI-compatible server (or --base-url)
  IMAGE_TELEPHONE_CAPTION_MODEL, IMAGE_TELEPHONE_IMAGE_MODEL, IMAGE_TELEPHONE_EMBEDDINGS_MODEL
                       the models used when none is named on the command line
                       (`image-telephone models` lists every provider's variables)
  IMAGE_TELEPHONE_MAX_RETRIES
                       retries of a failed model call (default 10; 0 fails at once)
  AWS_ENDPOINT_URL     an S3-compatible endpoint (or --s3-endpoint); S3 credentials come from
                       boto3's usual chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, …)
  HAMILTON_TELEMETRY_ENABLED=false BURR_TELEMETRY_ENABLED=false
                       turn off Hamilton's and Burr's anonymous usage data

exit codes:
  0    done
  1    an unexpected error (a traceback)
  2    bad input or usage, or a command whose extra is not installed
  3    a provider failed after its retries (finished turns are kept)
  4    storage failed, or the run is damaged (see `check`)
  5    the settings differ from the saved run's, or another process holds the run
  129, 130, 143
       stopped by SIGHUP, Ctrl-C (SIGINT) or SIGTERM
"""
