"""vLLM's OpenAI-compatible server (`python3 -m vllm.entrypoints.openai.api_server`), stood in for:
vLLM's command-line options, --api-key check and Prometheus names over the shared OpenAI part."""
import argparse
import sys

import kmw_openai_compat as openai_compat


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="vllm.entrypoints.openai.api_server")
    parser.add_argument("--model", default="facebook/opt-125m")
    parser.add_argument("--served-model-name", nargs="+")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--tensor-parallel-size", type=int, default=1)
    parser.add_argument("--api-key")
    parser.add_argument("--max-model-len", type=int, default=4096)
    # vLLM has many more options; accept them so real manifests start.
    args, _ignored = parser.parse_known_args(argv)
    return args


def metrics(server):
    counters = server.counters
    return openai_compat.prometheus([
        ("vllm:num_requests_running", "gauge", "Number of requests currently running on GPU.", counters.running),
        ("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", 0),
        ("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.", "%.2f" % min(1.0, 0.05 + counters.running * 0.1)),
        ("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", counters.prompt_tokens),
        ("vllm:generation_tokens_total", "counter", "Number of generation tokens processed.", counters.generation_tokens),
        ("vllm:request_success_total", "counter", "Count of successfully processed requests.", counters.requests),
    ], '{model_name="%s"}' % server.model_id)


def main(argv):
    args = parse_args(argv)
    if not openai_compat.check_model_path(args.model):
        return 1
    model_id = (args.served_model_name or [args.model])[0]
    server = openai_compat.Server(model_id, args.model, api_key=args.api_key, max_model_len=args.max_model_len, metrics=metrics)
    return openai_compat.serve(args.host, args.port, server)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
