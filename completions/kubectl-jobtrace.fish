# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_jobtrace_global_optspecs
    string join \n config= profile= n/namespace= context= kubeconfig= l/selector= label-key= name-pattern= o/output= color= request-timeout= timeout= v/verbose since= tail= log-concurrency= no-logs consumer-service= backend-service= backend-url= metadata-path= wait= interval= no-backend mongo-service= mongo-uri= mongo-direct mongo-secret= mongo-db= mongo-collection= mongo-field= no-mongo h/help V/version
end

function __fish_kubectl_jobtrace_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_jobtrace_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_jobtrace_using_subcommand
    set -l cmd (__fish_kubectl_jobtrace_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -a "demo" -d 'Run a trace against the built-in sandbox of incident 19-7 (no cluster needed)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -a "completion" -d 'Print a shell completion script, or install the helper behind `kubectl jobtrace <TAB>`'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -a "config" -d 'Write, show or locate the config file (profiles of settings)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l scenario -d 'The built-in scenario to run' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l id -d 'The job id to trace in the scenario' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l install -d 'Install the `kubectl_complete-jobtrace` helper kubectl\'s completion runs: beside this plugin\'s executable on PATH (e.g. Krew\'s bin folder), or in DIR' -r -f -a "(__fish_complete_directories)"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -f -a "init" -d 'Write a commented config file with the incident\'s layout as a profile'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -f -a "view" -d 'Print the effective settings and where each comes from (flag, env, profile, default), secrets redacted; `-o json|yaml` too'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -f -a "path" -d 'Print the path of the config file in use'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and not __fish_seen_subcommand_from init view path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l force -d 'Overwrite an existing file'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from view" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'The config file (default: kubectl-jobtrace/config.yaml in the user\'s config folder, e.g. ~/.config on Linux; see `config path`)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l profile -d 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file\'s `default-profile`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -s n -l namespace -d 'Namespace to trace in (default: the context\'s namespace, else `default`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)' -r -F
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -s l -l selector -d 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l label-key -d 'Label key that should carry the job id (repeatable; default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l name-pattern -d 'Name pattern of the job\'s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable tables'
wide\t'Tables with more columns (node, labels, owner)'
json\t'The report as JSON (a stable interface, schemaVersion 1)'
yaml\t'The report as YAML'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to colour the table output' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t'Always colour'
never\t'Never colour'"
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l request-timeout -d 'Timeout of one API request, e.g. 5s (default 10s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l timeout -d 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l since -d 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l tail -d 'Read at most this many lines per container (sent to the API as tailLines; default 2000)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l log-concurrency -d 'How many container logs are read at once (default 8)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l consumer-service -d 'The consumer service\'s Service name (default: auto-detect one named or labelled `consumer`)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l backend-service -d 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l backend-url -d 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l metadata-path -d 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l wait -d 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l interval -d 'Time between polls under --wait (default: 1s)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-service -d 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-uri -d 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-secret -d 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-db -d 'The database to search (default: the URI\'s, else every database holding the collections)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-collection -d 'A collection to look the job id up in (repeatable; default: jobs and consumers)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-field -d 'The field that holds the job id (default: job_id)' -r
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l no-logs -d 'Do not read any logs'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l no-backend -d 'Do not ask the backend'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l mongo-direct -d 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -l no-mongo -d 'Do not look in MongoDB'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented config file with the incident\'s layout as a profile'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "view" -d 'Print the effective settings and where each comes from (flag, env, profile, default), secrets redacted; `-o json|yaml` too'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the path of the config file in use'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and not __fish_seen_subcommand_from demo completion config help" -f -a "demo" -d 'Run a trace against the built-in sandbox of incident 19-7 (no cluster needed)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and not __fish_seen_subcommand_from demo completion config help" -f -a "completion" -d 'Print a shell completion script, or install the helper behind `kubectl jobtrace <TAB>`'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and not __fish_seen_subcommand_from demo completion config help" -f -a "config" -d 'Write, show or locate the config file (profiles of settings)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and not __fish_seen_subcommand_from demo completion config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write a commented config file with the incident\'s layout as a profile'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "view" -d 'Print the effective settings and where each comes from (flag, env, profile, default), secrets redacted; `-o json|yaml` too'
complete -c kubectl-jobtrace -n "__fish_kubectl_jobtrace_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the config file in use'
