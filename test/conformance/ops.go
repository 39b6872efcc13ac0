package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	dcs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
)

// entry is one operation of the table.
type entry struct {
	// The SDK's name (DcsClient method, GenReqDefFor<name> in dcs_meta.go).
	name string
	// "job": answers with a job ID (waited on with ShowJobInfo, then its task read). "read": a read,
	// called by the runner where it fits (per instance, per job, per task).
	kind string
	// Path parameters besides {project_id}, as JSON names.
	pathParams []string
	// Body when the -params file gives none; decoded into the SDK's body model like a given one.
	defaultBody string
	// Builds the SDK request from p and sends it with the SDK's client.
	start func(c *dcs.DcsClient, p opParams) (resp any, status int, jobID *string, err error)
}

// inputError is a bad -params entry (never the endpoint's fault).
type inputError struct{ msg string }

func (e *inputError) Error() string { return "input: " + e.msg }

// decodeBody reads a body into the SDK's body model, refusing fields the model does not have.
func decodeBody(raw json.RawMessage, into any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(into); err != nil {
		return &inputError{fmt.Sprintf("body does not fit the SDK model %T: %v", into, err)}
	}
	return nil
}

// table: every operation the conformance run knows, in run order. Each job-returning entry is one
// SDK call; add an operation by adding an entry.
var table = []entry{
	// Reads (called by the runner; listed so -only and -list know them).
	{name: "ShowInstance", kind: "read", pathParams: []string{"instance_id"}},
	{name: "ShowJobInfo", kind: "read", pathParams: []string{"job_id"}},
	{name: "ListBackgroundTask", kind: "read", pathParams: []string{"instance_id"}},
	{name: "ListCenterTask", kind: "read"},
	{name: "ShowBackgroundTaskProgress", kind: "read", pathParams: []string{"instance_id", "task_id"}},

	// The twelve job-returning operations.
	{name: "ChangeMasterStandbyAsync", kind: "job", pathParams: []string{"instance_id"},
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			r, err := c.ChangeMasterStandbyAsync(&model.ChangeMasterStandbyAsyncRequest{InstanceId: p.InstanceID})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "UpdateClientIpTransparentTransmission", kind: "job", pathParams: []string{"instance_id"},
		defaultBody: `{"transparent_client_ip_enable": true}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.UpdateClientIpTransparentTransmissionRequestBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.UpdateClientIpTransparentTransmission(&model.UpdateClientIpTransparentTransmissionRequest{InstanceId: p.InstanceID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "ExecuteClusterSwitchover", kind: "job", pathParams: []string{"instance_id", "group_id", "node_id"},
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			r, err := c.ExecuteClusterSwitchover(&model.ExecuteClusterSwitchoverRequest{InstanceId: p.InstanceID, GroupId: p.GroupID, NodeId: p.NodeID})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "UpdateSslSwitch", kind: "job", pathParams: []string{"instance_id"},
		defaultBody: `{"enabled": true}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.UpdateSslSwitchRequestBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.UpdateSslSwitch(&model.UpdateSslSwitchRequest{InstanceId: p.InstanceID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "UpdatePublicIp", kind: "job", pathParams: []string{"instance_id"},
		defaultBody: `{"elb_id": "5b0c4b1e-7a0f-4c5e-9a52-2f2d3c4b5a61"}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.UpdatePublicIpRequestBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.UpdatePublicIp(&model.UpdatePublicIpRequest{InstanceId: p.InstanceID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "DeletePublicIp", kind: "job", pathParams: []string{"instance_id"},
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			r, err := c.DeletePublicIp(&model.DeletePublicIpRequest{InstanceId: p.InstanceID})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "UpdateIpWhitelistAsync", kind: "job", pathParams: []string{"instance_id"},
		defaultBody: `{"enable_whitelist": true, "whitelist": [{"group_name": "conformance", "ip_list": ["10.0.0.0/24"]}]}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.ModifyIpWhitelistBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.UpdateIpWhitelistAsync(&model.UpdateIpWhitelistAsyncRequest{InstanceId: p.InstanceID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "UpdateInstanceConfig", kind: "job", pathParams: []string{"instance_id"},
		defaultBody: `{"redis_config": [{"param_id": "1", "param_name": "timeout", "param_value": "100"}]}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.ModifyRedisConfigBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.UpdateInstanceConfig(&model.UpdateInstanceConfigRequest{InstanceId: p.InstanceID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "UpdateAclAccount", kind: "job", pathParams: []string{"instance_id", "account_id"},
		defaultBody: `{"account_role": "read"}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.AclAccountRoleModifyBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.UpdateAclAccount(&model.UpdateAclAccountRequest{InstanceId: p.InstanceID, AccountId: p.AccountID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "DeleteIpFromDomainName", kind: "job", pathParams: []string{"instance_id", "group_id", "node_id"},
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			r, err := c.DeleteIpFromDomainName(&model.DeleteIpFromDomainNameRequest{InstanceId: p.InstanceID, GroupId: p.GroupID, NodeId: p.NodeID})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "StartInstanceResizeCheckJob", kind: "job", pathParams: []string{"instance_id"},
		defaultBody: `{"new_capacity": 4, "spec_code": "redis.ha.xu1.large.r2.4"}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.StartInstanceResizeCheckJobRequestBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.StartInstanceResizeCheckJob(&model.StartInstanceResizeCheckJobRequest{InstanceId: p.InstanceID, Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
	{name: "ExportInstancesTask", kind: "job",
		defaultBody: `{"region": "ap-southeast-1"}`,
		start: func(c *dcs.DcsClient, p opParams) (any, int, *string, error) {
			var b model.ExportInstancesTaskBody
			if err := decodeBody(p.Body, &b); err != nil {
				return nil, 0, nil, err
			}
			r, err := c.ExportInstancesTask(&model.ExportInstancesTaskRequest{Body: &b})
			if err != nil {
				return nil, 0, nil, err
			}
			return r, r.HttpStatusCode, r.JobId, nil
		}},
}

// fill puts placeholder IDs into path parameters the params entry leaves empty, and the default body.
func fill(e entry, p opParams) opParams {
	for _, name := range e.pathParams {
		switch name {
		case "instance_id":
			if p.InstanceID == "" {
				p.InstanceID = placeholderID
			}
		case "group_id":
			if p.GroupID == "" {
				p.GroupID = placeholderID
			}
		case "node_id":
			if p.NodeID == "" {
				p.NodeID = placeholderID
			}
		case "account_id":
			if p.AccountID == "" {
				p.AccountID = placeholderID
			}
		}
	}
	if len(p.Body) == 0 && e.defaultBody != "" {
		p.Body = json.RawMessage(e.defaultBody)
	}
	return p
}
