
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-jobtrace' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-jobtrace'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-jobtrace' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run a trace against the built-in sandbox of incident 19-7 (no cluster needed)')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or install the helper behind `kubectl jobtrace <TAB>`')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write, show or locate the config file (profiles of settings)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-jobtrace;demo' {
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'The built-in scenario to run')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'The job id to trace in the scenario')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-jobtrace;completion' {
            [CompletionResult]::new('--install', '--install', [CompletionResultType]::ParameterName, 'Install the `kubectl_complete-jobtrace` helper kubectl''s completion runs: beside this plugin''s executable on PATH (e.g. Krew''s bin folder), or in DIR')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-jobtrace;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file with the incident''s layout as a profile')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Print the effective settings and where each comes from (flag, env, profile, default), secrets redacted; `-o json|yaml` too')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-jobtrace;config;init' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-jobtrace;config;view' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-jobtrace;config;path' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file (default: kubectl-jobtrace/config.yaml in the user''s config folder, e.g. ~/.config on Linux; see `config path`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The config profile to use (default: the one whose `namespaces` or `contexts` match, else the file''s `default-profile`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to trace in (default: the context''s namespace, else `default`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, several paths merged as kubectl does, else ~/.kube/config)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Extra label selector ANDed into every pod and Job lookup, e.g. `team=panda`')
            [CompletionResult]::new('--label-key', '--label-key', [CompletionResultType]::ParameterName, 'Label key that should carry the job id (repeatable; default: job_id)')
            [CompletionResult]::new('--name-pattern', '--name-pattern', [CompletionResultType]::ParameterName, 'Name pattern of the job''s objects, `{id}` standing for the id (repeatable; default: grpc-job-{id} and cleanup-job-{id})')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the table output')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of one API request, e.g. 5s (default 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of the whole trace, e.g. 30s (sources not done by then are reported as unavailable; default 30s)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Read logs this far back, e.g. 1h or 30m (sent to the API as sinceSeconds; default 1h)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Read at most this many lines per container (sent to the API as tailLines; default 2000)')
            [CompletionResult]::new('--log-concurrency', '--log-concurrency', [CompletionResultType]::ParameterName, 'How many container logs are read at once (default 8)')
            [CompletionResult]::new('--consumer-service', '--consumer-service', [CompletionResultType]::ParameterName, 'The consumer service''s Service name (default: auto-detect one named or labelled `consumer`)')
            [CompletionResult]::new('--backend-service', '--backend-service', [CompletionResultType]::ParameterName, 'The backend Service, NAME or NAME:PORT (default: detect a Service whose name or app label says `backend`). Reached by an in-process port-forward to a ready pod')
            [CompletionResult]::new('--backend-url', '--backend-url', [CompletionResultType]::ParameterName, 'Ask the backend at this base URL instead of port-forwarding (an ingress, a local run), e.g. http://localhost:8080')
            [CompletionResult]::new('--metadata-path', '--metadata-path', [CompletionResultType]::ParameterName, 'The metadata path, `{id}` standing for the job id, inserted as one percent-encoded path segment (default: /metadata/{id})')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Poll the backend until it answers 200 or this long has passed (bounded by --timeout), e.g. 30s')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls under --wait (default: 1s)')
            [CompletionResult]::new('--mongo-service', '--mongo-service', [CompletionResultType]::ParameterName, 'The MongoDB Service, NAME or NAME:PORT (default: detected: a Service on port 27017 or named or labelled mongo)')
            [CompletionResult]::new('--mongo-uri', '--mongo-uri', [CompletionResultType]::ParameterName, 'Connection string with credentials and options; its host is replaced by a port-forward to the Mongo pod unless --mongo-direct')
            [CompletionResult]::new('--mongo-secret', '--mongo-secret', [CompletionResultType]::ParameterName, 'Read the credentials from this Secret: NAME, or NAME/KEY for the key holding the password or a connection string')
            [CompletionResult]::new('--mongo-db', '--mongo-db', [CompletionResultType]::ParameterName, 'The database to search (default: the URI''s, else every database holding the collections)')
            [CompletionResult]::new('--mongo-collection', '--mongo-collection', [CompletionResultType]::ParameterName, 'A collection to look the job id up in (repeatable; default: jobs and consumers)')
            [CompletionResult]::new('--mongo-field', '--mongo-field', [CompletionResultType]::ParameterName, 'The field that holds the job id (default: job_id)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log what the tool does to stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--no-logs', '--no-logs', [CompletionResultType]::ParameterName, 'Do not read any logs')
            [CompletionResult]::new('--no-backend', '--no-backend', [CompletionResultType]::ParameterName, 'Do not ask the backend')
            [CompletionResult]::new('--mongo-direct', '--mongo-direct', [CompletionResultType]::ParameterName, 'Connect to the --mongo-uri host as it is, without a port-forward (needs a URI)')
            [CompletionResult]::new('--no-mongo', '--no-mongo', [CompletionResultType]::ParameterName, 'Do not look in MongoDB')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'kubectl-jobtrace;config;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file with the incident''s layout as a profile')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Print the effective settings and where each comes from (flag, env, profile, default), secrets redacted; `-o json|yaml` too')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-jobtrace;config;help;init' {
            break
        }
        'kubectl-jobtrace;config;help;view' {
            break
        }
        'kubectl-jobtrace;config;help;path' {
            break
        }
        'kubectl-jobtrace;config;help;help' {
            break
        }
        'kubectl-jobtrace;help' {
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run a trace against the built-in sandbox of incident 19-7 (no cluster needed)')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or install the helper behind `kubectl jobtrace <TAB>`')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write, show or locate the config file (profiles of settings)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-jobtrace;help;demo' {
            break
        }
        'kubectl-jobtrace;help;completion' {
            break
        }
        'kubectl-jobtrace;help;config' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file with the incident''s layout as a profile')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Print the effective settings and where each comes from (flag, env, profile, default), secrets redacted; `-o json|yaml` too')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            break
        }
        'kubectl-jobtrace;help;config;init' {
            break
        }
        'kubectl-jobtrace;help;config;view' {
            break
        }
        'kubectl-jobtrace;help;config;path' {
            break
        }
        'kubectl-jobtrace;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
