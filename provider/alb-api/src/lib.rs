//! Client for the Alibaba Cloud Application Load Balancer OpenAPI (version 2020-06-16).

pub mod signing;
