//! Typed account data that several controls read, fetched at most once per account and run
//! through [`AwsAccount::fetch_once`](crate::AwsAccount::fetch_once). A control asks for what
//! it needs; a profile pays only for the data its controls read.
//!
//! One module per service. Every fetcher reads every page, and maps AWS errors to
//! [`AwsError`](crate::AwsError) naming the action.

pub mod accessanalyzer;
pub mod account;
pub mod apigateway;
pub mod authorization;
pub mod cloudfront;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod config;
pub mod ec2;
pub mod efs;
pub mod elb;
pub mod iam;
pub mod kms;
pub mod logs;
pub mod password_policy;
pub mod rds;
pub mod s3;
pub mod securityhub;
pub mod sns;
