package main

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
)

// Formats the SDK's models document (doc strings of model_show_job_info_response.go and
// model_single_background_task.go / model_step_detail.go): job times are epoch milliseconds as
// strings ("1684191545379"), task and step times "2020-06-17T07:38:42.503Z".
var (
	epochMsRe = regexp.MustCompile(`^[0-9]{13}$`)
	isoTimeRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?Z$`)
	digitsRe  = regexp.MustCompile(`^[0-9]+$`)
)

// enumValues lists the values of one of the SDK's enum types, from its Get...Enum() function: a
// struct whose fields are enum values with a Value() method.
func enumValues(enumSet any) []string {
	var out []string
	v := reflect.ValueOf(enumSet)
	for i := 0; i < v.NumField(); i++ {
		m := v.Field(i).MethodByName("Value")
		if m.IsValid() {
			out = append(out, m.Call(nil)[0].String())
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (r *runner) startJob(e entry, p opParams, placeholder bool) {
	p = fill(e, p)
	res := result{Operation: e.name, Target: p.InstanceID, Placeholder: placeholder}
	if e.defaultBody == "" && len(p.Body) > 0 {
		classify(&res, &inputError{e.name + " has no request body in the SDK, but -params gives one"})
		r.emit(res)
		return
	}
	resp, status, jobID, err := e.start(r.client, p)
	if want := p.ExpectError; want != nil {
		if err == nil {
			res.OK, res.Served, res.Status, res.JobID = false, true, status, str(jobID)
			res.ErrorKind = "status"
			res.Error = fmt.Sprintf("status %d, want a refusal %d %s", status, want.Status, want.ErrorCode)
			r.emit(res)
			return
		}
		classify(&res, err)
		if res.ErrorKind == "refused" {
			if res.Status == want.Status && res.ErrorCode == want.ErrorCode {
				res.OK, res.ErrorKind = true, ""
			} else {
				res.ErrorKind = "status"
				res.Error = fmt.Sprintf("%s; want %d %s", res.Error, want.Status, want.ErrorCode)
			}
		}
		r.emit(res)
		return
	}
	if err != nil {
		classify(&res, err)
		r.emit(res)
		return
	}
	var problems []string
	if str(jobID) == "" {
		problems = append(problems, "no job_id in the answer")
	}
	res.JobID = str(jobID)
	res.Warnings = append(res.Warnings, extraFields(r.lastBody, resp)...)
	finish(&res, status, p.Status, problems)
	r.emit(res)
	if !res.OK || p.NoWait {
		return
	}
	r.started = append(r.started, startedJob{op: e.name, instanceID: p.InstanceID, jobID: res.JobID})
	if !r.waitJob(e.name, res.JobID, p.JobStatus) {
		return
	}
	// The job's task: the task center maps job_id to the task's own id.
	taskID := r.listCenterTask(res.JobID)
	if e.name == "ExportInstancesTask" || p.InstanceID == placeholderID {
		return
	}
	newest := r.listBackgroundTask(p.InstanceID, e.name)
	if taskID == "" {
		taskID = newest
	}
	if taskID != "" {
		r.showProgress(p.InstanceID, taskID, e.name)
	}
}

// waitJob polls ShowJobInfo until the job ends; one line for the whole wait (the first failing read
// ends it). True when the job ended and every read decoded.
func (r *runner) waitJob(forOp, jobID, wantStatus string) bool {
	res := result{Operation: "ShowJobInfo", For: forOp, JobID: jobID}
	statuses := enumValues(model.GetShowJobInfoResponseStatusEnum())
	jobTypes := enumValues(model.GetShowJobInfoResponseJobTypeEnum())
	deadline := time.Now().Add(r.jobTimeout)
	warnedType := false
	for {
		res.Polls++
		resp, err := r.client.ShowJobInfo(&model.ShowJobInfoRequest{JobId: jobID})
		if err != nil {
			classify(&res, err)
			r.emit(res)
			return false
		}
		var problems []string
		status := ""
		if resp.Status != nil {
			status = resp.Status.Value()
		}
		res.JobStatus = status
		if resp.JobType != nil {
			res.JobType = resp.JobType.Value()
		}
		if str(resp.JobId) != jobID {
			problems = append(problems, fmt.Sprintf("job_id %q, want %q", str(resp.JobId), jobID))
		}
		if !contains(statuses, status) {
			problems = append(problems, fmt.Sprintf("status %q is not in the SDK's enum %v", status, statuses))
		}
		if res.JobType == "" {
			problems = append(problems, "no job_type")
		} else if !contains(jobTypes, res.JobType) && !warnedType {
			warnedType = true
			// The SDK's enum has only the two original job types; its decoder accepts any string.
			res.Warnings = append(res.Warnings, fmt.Sprintf("job_type %q is not in the SDK's enum %v (the SDK decodes it anyway)", res.JobType, jobTypes))
		}
		if !epochMsRe.MatchString(str(resp.BeginTime)) {
			problems = append(problems, fmt.Sprintf("begin_time %s is not a 13-digit epoch-ms string", quote(resp.BeginTime)))
		}
		ended := status == "SUCCESS" || status == "FAIL"
		if ended {
			if !epochMsRe.MatchString(str(resp.EndTime)) {
				problems = append(problems, fmt.Sprintf("end_time %s of an ended job is not a 13-digit epoch-ms string", quote(resp.EndTime)))
			} else if b, e := strconv.ParseInt(str(resp.BeginTime), 10, 64); e == nil {
				if en, _ := strconv.ParseInt(str(resp.EndTime), 10, 64); en < b {
					problems = append(problems, fmt.Sprintf("end_time %s before begin_time %s", str(resp.EndTime), str(resp.BeginTime)))
				}
			}
		} else if resp.EndTime != nil && *resp.EndTime != "" && !epochMsRe.MatchString(*resp.EndTime) {
			problems = append(problems, fmt.Sprintf("end_time %s is neither empty nor a 13-digit epoch-ms string", quote(resp.EndTime)))
		}
		if ended && wantStatus != "" && status != wantStatus {
			problems = append(problems, fmt.Sprintf("job ended %s, want %s (fail_reason %s)", status, wantStatus, quote(resp.FailReason)))
		}
		if len(problems) > 0 || ended {
			res.Warnings = append(res.Warnings, extraFields(r.lastBody, resp)...)
			finish(&res, resp.HttpStatusCode, 200, problems)
			r.emit(res)
			return res.OK
		}
		if time.Now().After(deadline) {
			res.OK, res.Served, res.Status = false, true, resp.HttpStatusCode
			res.ErrorKind = "check"
			res.Error = fmt.Sprintf("check: job still %s after %s", status, r.jobTimeout)
			r.emit(res)
			return false
		}
		time.Sleep(r.poll)
	}
}

func quote(p *string) string {
	if p == nil {
		return "null"
	}
	return strconv.Quote(*p)
}

func (r *runner) showInstance(id string) {
	res := result{Operation: "ShowInstance", Target: id}
	resp, err := r.client.ShowInstance(&model.ShowInstanceRequest{InstanceId: id})
	if err != nil {
		classify(&res, err)
		r.emit(res)
		return
	}
	var problems []string
	if str(resp.InstanceId) != id {
		problems = append(problems, fmt.Sprintf("instance_id %q, want %q", str(resp.InstanceId), id))
	}
	if resp.CacheMode != nil {
		modes := enumValues(model.GetShowInstanceResponseCacheModeEnum())
		if !contains(modes, resp.CacheMode.Value()) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("cache_mode %q is not in the SDK's enum %v", resp.CacheMode.Value(), modes))
		}
	}
	res.Warnings = append(res.Warnings, extraFields(r.lastBody, resp)...)
	finish(&res, resp.HttpStatusCode, 200, problems)
	r.emit(res)
}

// taskWindow: wide, because the emulator's clock may run faster than the wall clock.
func taskWindow() (*string, *string) {
	now := time.Now().UTC()
	start := now.Add(-48 * time.Hour).Format("20060102150405")
	end := now.Add(30 * 24 * time.Hour).Format("20060102150405")
	return &start, &end
}

func checkTaskFields(i int, id, createdAt, updatedAt *string) []string {
	var problems []string
	if str(id) == "" {
		problems = append(problems, fmt.Sprintf("tasks[%d].id is empty", i))
	}
	if !isoTimeRe.MatchString(str(createdAt)) {
		problems = append(problems, fmt.Sprintf("tasks[%d].created_at %s is not like 2020-06-17T07:38:42.503Z", i, quote(createdAt)))
	}
	if updatedAt != nil && *updatedAt != "" && !isoTimeRe.MatchString(*updatedAt) {
		problems = append(problems, fmt.Sprintf("tasks[%d].updated_at %s is not like 2020-06-17T07:38:42.503Z", i, quote(updatedAt)))
	}
	return problems
}

func checkTaskCount(count *string, n int) []string {
	if count == nil {
		return []string{"no task_count"}
	}
	if !digitsRe.MatchString(*count) {
		return []string{fmt.Sprintf("task_count %q is not a count", *count)}
	}
	if c, _ := strconv.Atoi(*count); c < n {
		return []string{fmt.Sprintf("task_count %s is less than the %d tasks on the page", *count, n)}
	}
	return nil
}

// listBackgroundTask reads one instance's task list; returns the newest task's ID.
func (r *runner) listBackgroundTask(instanceID, forOp string) string {
	res := result{Operation: "ListBackgroundTask", For: forOp, Target: instanceID}
	start, end := taskWindow()
	offset, limit := int32(0), int32(100)
	resp, err := r.client.ListBackgroundTask(&model.ListBackgroundTaskRequest{InstanceId: instanceID, Offset: &offset, Limit: &limit, StartTime: start, EndTime: end})
	if err != nil {
		classify(&res, err)
		r.emit(res)
		return ""
	}
	var tasks []model.SingleBackgroundTask
	if resp.Tasks != nil {
		tasks = *resp.Tasks
	}
	problems := checkTaskCount(resp.TaskCount, len(tasks))
	for i, t := range tasks {
		problems = append(problems, checkTaskFields(i, t.Id, t.CreatedAt, t.UpdatedAt)...)
	}
	if forOp != "" && len(tasks) == 0 {
		problems = append(problems, "no task listed after the job ended")
	}
	res.Warnings = append(res.Warnings, extraFields(r.lastBody, resp)...)
	finish(&res, resp.HttpStatusCode, 200, problems)
	newest := ""
	if len(tasks) > 0 {
		newest = str(tasks[0].Id)
		res.TaskID = newest
	}
	r.emit(res)
	return newest
}

// listCenterTask reads the tenant-wide task center; with a job ID, returns that job's task ID.
func (r *runner) listCenterTask(jobID string) string {
	res := result{Operation: "ListCenterTask", JobID: jobID}
	for _, s := range r.started {
		if s.jobID == jobID {
			res.For = s.op
		}
	}
	start, end := taskWindow()
	offset, limit := int32(0), int32(1000)
	resp, err := r.client.ListCenterTask(&model.ListCenterTaskRequest{Offset: &offset, Limit: &limit, StartTime: start, EndTime: end})
	if err != nil {
		classify(&res, err)
		r.emit(res)
		return ""
	}
	var tasks []model.ListCenterTasksResp
	if resp.Tasks != nil {
		tasks = *resp.Tasks
	}
	problems := checkTaskCount(resp.TaskCount, len(tasks))
	taskID := ""
	for i, t := range tasks {
		problems = append(problems, checkTaskFields(i, t.Id, t.CreatedAt, t.UpdatedAt)...)
		if jobID != "" && str(t.JobId) == jobID {
			taskID = str(t.Id)
		}
	}
	if jobID != "" && taskID == "" {
		problems = append(problems, fmt.Sprintf("no task with job_id %s", jobID))
	}
	if jobID == "" {
		// The end-of-run read: every job started must be there.
		for _, s := range r.started {
			found := false
			for _, t := range tasks {
				found = found || str(t.JobId) == s.jobID
			}
			if !found {
				problems = append(problems, fmt.Sprintf("no task with job_id %s (%s)", s.jobID, s.op))
			}
		}
	}
	res.TaskID = taskID
	res.Warnings = append(res.Warnings, extraFields(r.lastBody, resp)...)
	finish(&res, resp.HttpStatusCode, 200, problems)
	r.emit(res)
	return taskID
}

func (r *runner) showProgress(instanceID, taskID, forOp string) {
	res := result{Operation: "ShowBackgroundTaskProgress", For: forOp, Target: instanceID, TaskID: taskID}
	resp, err := r.client.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: instanceID, TaskId: taskID})
	if err != nil {
		classify(&res, err)
		r.emit(res)
		return
	}
	var problems []string
	if resp.Progress != nil && (*resp.Progress < 0 || *resp.Progress > 100) {
		problems = append(problems, fmt.Sprintf("progress %d is not a percentage", *resp.Progress))
	}
	if resp.StepDetails != nil {
		steps := enumValues(model.GetStepDetailStepStatusEnum())
		for i, s := range *resp.StepDetails {
			if s.StepStatus != nil && !contains(steps, s.StepStatus.Value()) {
				problems = append(problems, fmt.Sprintf("step_details[%d].step_status %q is not in the SDK's enum %v", i, s.StepStatus.Value(), steps))
			}
			for _, t := range []struct {
				name string
				v    *string
			}{{"begin_time", s.BeginTime}, {"end_time", s.EndTime}} {
				if t.v != nil && *t.v != "" && !isoTimeRe.MatchString(*t.v) {
					problems = append(problems, fmt.Sprintf("step_details[%d].%s %q is not like 2020-06-17T07:38:42.503Z", i, t.name, *t.v))
				}
			}
		}
	}
	res.Warnings = append(res.Warnings, extraFields(r.lastBody, resp)...)
	finish(&res, resp.HttpStatusCode, 200, problems)
	r.emit(res)
}
