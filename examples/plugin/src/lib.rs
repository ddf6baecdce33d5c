//! ACME's cisrun plugin: the `acme-aws-baseline` benchmark, its controls and a profile.

pub mod controls {
    pub mod acme_iam_admin_only_through_roles;
    pub mod acme_iam_managed_policy_not_on_users;
    pub mod acme_iam_user_limit;
}

cisrun_core::declare_plugin!();

cisrun_core::register_benchmark! {
    id: "acme-aws-baseline",
    title: "ACME AWS baseline",
    platform: "aws",
    versions: ["v1" => include_str!("../benchmarks/acme-aws-baseline-v1.tsv")],
}

cisrun_core::register_profile!(
    "acme-aws-baseline-v1",
    include_str!("../profiles/acme-aws-baseline-v1.yaml")
);
