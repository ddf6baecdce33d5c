//! The manual web front-end access-logging recommendation end to end against moto: the
//! evidence lists every CloudFront distribution (standard logging and logging v2), load
//! balancer (classic, application, gateway) and API Gateway stage (REST and HTTP) with where
//! its access logs go or `NONE`, counts those without, and a region that cannot be read is
//! an error naming it.

use cisrun_e2e::{
    outcome_status as status, profile_yaml, seed, web_seed, ControlCase, Fault, FaultProxy,
};
use serde_json::Value;

const WEB: &str = "aws-web-frontend-access-logging";
const REGIONS: &[&str] = &["eu-west-1", "us-east-1"];

fn message(result: &Value) -> &str {
    result["outcome"]["message"].as_str().unwrap_or_default()
}

/// Every evidence entry as `resource [region] [status] detail`.
fn lines(result: &Value) -> Vec<String> {
    result["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            format!(
                "{} [{}] [{}] {}",
                e["resource"].as_str().unwrap_or_default(),
                e["region"].as_str().unwrap_or_default(),
                e["status"].as_str().unwrap_or_default(),
                e["detail"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// The one evidence line of `resource`.
fn line(result: &Value, resource: &str) -> String {
    let found: Vec<String> = lines(result)
        .into_iter()
        .filter(|l| l.starts_with(&format!("{resource} [")))
        .collect();
    assert_eq!(found.len(), 1, "{resource}: {:#?}", lines(result));
    found[0].clone()
}

fn log_group(region: &str, name: &str) -> String {
    format!("arn:aws:logs:{region}:{}:log-group:{name}", seed::ACCOUNT)
}

fn lb_arn_prefix(region: &str) -> String {
    format!(
        "arn:aws:elasticloadbalancing:{region}:{}:loadbalancer/",
        seed::ACCOUNT
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_front_end_is_listed_with_its_access_log_destination_or_none() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let (logged, logged_arn) = web_seed::distribution(endpoint, "logged", Some("cf-logs")).await;
    let (bare, bare_arn) = web_seed::distribution(endpoint, "bare", None).await;
    let (v2, v2_arn) = web_seed::distribution(endpoint, "logging-v2", None).await;
    web_seed::log_delivery(endpoint, "cf-access", &v2_arn, "cf-logs-v2").await;

    let alb_logged = web_seed::load_balancer(
        endpoint,
        "eu-west-1",
        "alb-logged",
        "application",
        Some("alb-logs"),
    )
    .await;
    let alb_bare =
        web_seed::load_balancer(endpoint, "us-east-1", "alb-bare", "application", None).await;
    let gateway = web_seed::load_balancer(endpoint, "eu-west-1", "gwlb", "gateway", None).await;
    web_seed::classic_load_balancer(endpoint, "eu-west-1", "classic-bare", None).await;
    web_seed::classic_load_balancer(endpoint, "us-east-1", "classic-logged", Some("elb-logs"))
        .await;

    let shop_logs = log_group("eu-west-1", "shop-access");
    let shop = web_seed::rest_api(endpoint, "eu-west-1", "shop", "prod", Some(&shop_logs)).await;
    let admin = web_seed::rest_api(endpoint, "us-east-1", "admin", "prod", None).await;
    let events_logs = log_group("us-east-1", "events-access");
    let events =
        web_seed::http_api(endpoint, "us-east-1", "events", "live", Some(&events_logs)).await;
    let quiet = web_seed::http_api(endpoint, "eu-west-1", "quiet", "dev", None).await;

    let proxy = FaultProxy::start(case.moto.port);
    let result = &case.audit_at(
        &proxy.endpoint,
        &profile_yaml("v7.0.0", &[WEB], REGIONS, ""),
    )[WEB];
    assert_eq!(status(result), "skipped", "{result:#}");
    assert_eq!(result["outcome"]["skip"]["kind"], "manual", "{result:#}");

    // CloudFront: global, read in us-east-1.
    let cf = line(result, &logged_arn);
    assert!(cf.contains("[us-east-1]"), "{cf}");
    assert!(
        cf.contains(&format!("CloudFront distribution {logged}"))
            && cf.contains(
                "logging ON: standard logging to S3 bucket cf-logs.s3.amazonaws.com (prefix cf/)"
            ),
        "{cf}"
    );
    let cf = line(result, &bare_arn);
    assert!(
        cf.contains(&format!("CloudFront distribution {bare}"))
            && cf.contains("NONE: no access logging"),
        "{cf}"
    );
    let cf = line(result, &v2_arn);
    assert!(
        cf.contains(&format!("CloudFront distribution {v2}"))
            && cf.contains("logging ON: standard logging v2")
            && cf.contains(&format!(
                "to S3 delivery destination arn:aws:logs:us-east-1:{}:delivery-destination:cf-access-destination",
                seed::ACCOUNT
            )),
        "{cf}"
    );

    // Load balancers, in their regions.
    let lb = line(result, &alb_logged);
    assert!(
        lb.contains("[eu-west-1]")
            && lb.contains("application load balancer alb-logged")
            && lb.contains("logging ON: access logs to S3 bucket alb-logs (prefix alb)"),
        "{lb}"
    );
    let lb = line(result, &alb_bare);
    assert!(
        lb.contains("[us-east-1]")
            && lb.contains("application load balancer alb-bare")
            && lb.contains("NONE: access logging off"),
        "{lb}"
    );
    let lb = line(result, &gateway);
    assert!(
        lb.contains("gateway load balancer gwlb") && lb.contains("not applicable"),
        "{lb}"
    );
    let lb = line(
        result,
        &format!("{}classic-bare", lb_arn_prefix("eu-west-1")),
    );
    assert!(
        lb.contains("classic load balancer classic-bare")
            && lb.contains("NONE: access logging off"),
        "{lb}"
    );
    let lb = line(
        result,
        &format!("{}classic-logged", lb_arn_prefix("us-east-1")),
    );
    assert!(
        lb.contains("classic load balancer classic-logged")
            && lb.contains("logging ON: access logs to S3 bucket elb-logs"),
        "{lb}"
    );

    // API Gateway: one line per stage.
    let stage = |region: &str, path: &str, id: &str, stage: &str| {
        format!("arn:aws:apigateway:{region}::/{path}/{id}/stages/{stage}")
    };
    let api = line(result, &stage("eu-west-1", "restapis", &shop, "prod"));
    assert!(
        api.contains(&format!("REST API shop ({shop}"))
            && api.contains(&format!(
                "stage prod: logging ON: access logs to {shop_logs}"
            )),
        "{api}"
    );
    let api = line(result, &stage("us-east-1", "restapis", &admin, "prod"));
    assert!(
        api.contains("REST API admin")
            && api.contains("stage prod: NONE: no access log destination"),
        "{api}"
    );
    let api = line(result, &stage("us-east-1", "apis", &events, "live"));
    assert!(
        api.contains(&format!("HTTP API events ({events})"))
            && api.contains(&format!(
                "stage live: logging ON: access logs to {events_logs}"
            )),
        "{api}"
    );
    let api = line(result, &stage("eu-west-1", "apis", &quiet, "dev"));
    assert!(
        api.contains("HTTP API quiet") && api.contains("stage dev: NONE"),
        "{api}"
    );

    // 3 distributions, 4 load balancers that can log (and a gateway one), 4 stages.
    assert_eq!(lines(result).len(), 12, "{:#?}", lines(result));
    assert!(
        message(result).contains(
            "11 web front-end resource(s) that can log access (3 CloudFront distribution(s), \
             4 load balancer(s), 4 API Gateway stage(s)), 5 without access logging (marked NONE); \
             1 not applicable"
        ),
        "{}",
        message(result)
    );
    // Listings once per region (classic and v2 alike are `DescribeLoadBalancers`), attributes
    // once per load balancer that has access logs: none for the gateway one.
    assert_eq!(
        proxy.count("DescribeLoadBalancers"),
        4,
        "{:?}",
        proxy.actions()
    );
    assert_eq!(
        proxy.count("DescribeLoadBalancerAttributes"),
        4,
        "{:?}",
        proxy.actions()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_whose_load_balancers_cannot_be_read_is_an_error_naming_it() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let (_, bare_arn) = web_seed::distribution(endpoint, "bare", None).await;
    let alb = web_seed::load_balancer(endpoint, "us-east-1", "alb-bare", "application", None).await;
    web_seed::load_balancer(endpoint, "eu-west-1", "alb-hidden", "application", None).await;

    let proxy = FaultProxy::start(case.moto.port);
    proxy.inject(
        Fault::new(
            "DescribeLoadBalancers",
            403,
            "AccessDenied",
            "explicit deny in a service control policy",
        )
        .in_region("eu-west-1"),
    );
    let result = &case.audit_at(
        &proxy.endpoint,
        &profile_yaml("v7.0.0", &[WEB], REGIONS, ""),
    )[WEB];
    assert_eq!(status(result), "error", "{result:#}");
    let error = result["outcome"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        error.contains("elasticloadbalancing:DescribeLoadBalancers") && error.contains("eu-west-1"),
        "{result:#}"
    );
    let all = lines(result);
    // Both listings of the region (classic and v2) are error entries; nothing of it is
    // shown as "no load balancers".
    let errors: Vec<&String> = all.iter().filter(|l| l.contains("[error]")).collect();
    assert_eq!(errors.len(), 2, "{all:#?}");
    assert!(
        errors.iter().all(|l| l.contains("region eu-west-1")),
        "{all:#?}"
    );
    assert!(!all.iter().any(|l| l.contains("alb-hidden")), "{all:#?}");
    // The other region and CloudFront are still listed.
    assert!(
        line(result, &alb).contains("NONE: access logging off"),
        "{all:#?}"
    );
    assert!(line(result, &bare_arn).contains("NONE"), "{all:#?}");
}
