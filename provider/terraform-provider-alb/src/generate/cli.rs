//! The `generate` subcommand: arguments, input, output and exit codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, FromArgMatches};

use super::inventory::Inventory;
use super::Options;
use crate::config::settings::kubeconfig_paths;

/// Exit code when the configuration was written but something was not carried over.
pub const EXIT_NOT_CARRIED: u8 = 2;

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// YAML files or directories (read recursively: `*.yaml`, `*.yml`, `*.json`); several
    /// documents per file and `kind: List` (`kubectl get -o yaml`) are read.
    #[arg(long, value_name = "DIR|FILE", num_args = 1.., required_unless_present = "from_cluster", conflicts_with = "from_cluster")]
    pub from_files: Vec<PathBuf>,
    /// Read the objects from the cluster of the kubeconfig (as the provider's `kubernetes`
    /// block: --kubeconfig, else KUBE_CONFIG_PATH, else KUBECONFIG).
    #[arg(long)]
    pub from_cluster: bool,
    /// Kubeconfig files, merged in order (with --from-cluster).
    #[arg(long, value_name = "PATH", requires = "from_cluster")]
    pub kubeconfig: Vec<PathBuf>,
    /// Kubeconfig context (with --from-cluster; default: the current context).
    #[arg(long, value_name = "NAME", requires = "from_cluster")]
    pub context: Option<String>,
    /// Only Ingresses of this namespace (repeatable).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Vec<String>,
    /// Only Ingresses of this IngressClass, and the AlbConfigs of these classes (repeatable).
    #[arg(long, value_name = "NAME")]
    pub ingress_class: Vec<String>,
    /// The VPC of the load balancers (default: a `vpc_id` variable).
    #[arg(long, value_name = "VPC_ID")]
    pub vpc_id: Option<String>,
    /// Write the configuration to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 even when something was not carried over (default: exit 2 then).
    #[arg(long)]
    pub no_todo_exit: bool,
}

/// The subcommand for the provider binary's CLI.
pub fn subcommand() -> tfplugin::server::Subcommand {
    tfplugin::server::Subcommand {
        command: GenerateArgs::augment_args(clap::Command::new("generate"))
            .about("Generate alb_config/alb_ingress HCL from ACK AlbConfigs, IngressClasses and Ingresses")
            .long_about(
                "Reads ACK's ALB Ingress objects — AlbConfig (alibabacloud.com/v1), IngressClass, \
                 Ingress (networking.k8s.io/v1) with their alb.ingress.kubernetes.io/* annotations, \
                 and the Services they reference — from files or a live cluster, and writes \
                 Terraform configuration: one alb_config per AlbConfig, one alb_ingress per Ingress \
                 (a canary Ingress becomes the canary block of the Ingress it shadows), and an \
                 import block per AlbConfig naming an existing load balancer. What cannot be carried \
                 over is listed on standard error and as `# TODO` comments. Exit code 0; 2 when \
                 something was not carried over (unless --no-todo-exit); 1 on unreadable input or \
                 invalid annotation values (each named with its object; nothing is written).",
            ),
        run,
    }
}

fn run(matches: &clap::ArgMatches) -> ExitCode {
    let args = match GenerateArgs::from_arg_matches(matches) {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::FAILURE;
        }
    };
    let inventory = match read(&args) {
        Ok(inventory) => inventory,
        Err(message) => {
            eprintln!("generate: {message}");
            return ExitCode::FAILURE;
        }
    };
    let options = Options {
        namespaces: args.namespace.clone(),
        ingress_classes: args.ingress_class.clone(),
        vpc_id: args.vpc_id.clone(),
    };
    let generated = match super::generate(&inventory, &options) {
        Ok(generated) => generated,
        Err(super::Invalid(errors)) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("generate: {} error(s); nothing written", errors.len());
            return ExitCode::FAILURE;
        }
    };
    for finding in &generated.not_carried {
        eprintln!("not carried: {finding}");
    }
    let written = match &args.output {
        Some(path) => std::fs::write(path, &generated.hcl)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            print!("{}", generated.hcl);
            Ok(())
        }
    };
    if let Err(message) = written {
        eprintln!("generate: {message}");
        return ExitCode::FAILURE;
    }
    if generated.not_carried.is_empty() || args.no_todo_exit {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_CARRIED)
    }
}

/// The objects of the files or of the cluster, sorted.
fn read(args: &GenerateArgs) -> Result<Inventory, String> {
    let mut inventory = Inventory::default();
    if args.from_cluster {
        let settings = cluster::KubernetesSettings {
            config_paths: kubeconfig_paths(args.kubeconfig.clone(), &|name| {
                std::env::var(name).ok()
            }),
            config_context: args.context.clone(),
            ..cluster::KubernetesSettings::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?;
        let objects = runtime
            .block_on(cluster::objects::ingress_objects(
                &settings,
                &args.namespace,
            ))
            .map_err(|e| match e {
                cluster::objects::ObjectsError::Config(cluster::ClusterError::NotConfigured) => {
                    "no Kubernetes cluster is configured: pass --kubeconfig, or set \
                     KUBE_CONFIG_PATH or KUBECONFIG"
                        .to_string()
                }
                other => other.to_string(),
            })?;
        for object in objects {
            inventory.add_object(object)?;
        }
    } else {
        for path in files(&args.from_files)? {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            inventory.add_yaml(&path.display().to_string(), &text)?;
        }
    }
    inventory.sort();
    Ok(inventory)
}

/// The files named, and the manifests under the directories named, in name order.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, out)?;
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["yaml", "yml", "json"].contains(&e))
        {
            out.push(entry);
        }
    }
    Ok(())
}
