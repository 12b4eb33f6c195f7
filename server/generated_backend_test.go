package server_test

import (
	"context"

	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

// The describe methods of the test backends (the others are in openapi_backend_test.go and
// fake_backend_test.go).

func (b *specBackend) PutGenerated(context.Context, string, service.GeneratedIn) (recd.Item, error) {
	return filled[recd.Item](), b.err("PutGenerated")
}

func (f *fakeBackend) PutGenerated(_ context.Context, id string, in service.GeneratedIn) (recd.Item, error) {
	if err := checkID("id", id); err != nil {
		return recd.Item{}, err
	}
	return recd.Item{ID: id, Title: "canned", Available: true}, nil
}

func (b *specBackend) StartDescribe(context.Context, service.DescribeRequest) (service.Job, error) {
	return filled[service.Job](), b.err("StartDescribe")
}

func (b *specBackend) Job(context.Context, string) (service.Job, error) {
	return filled[service.Job](), b.err("Job")
}

func (f *fakeBackend) StartDescribe(context.Context, service.DescribeRequest) (service.Job, error) {
	return service.Job{ID: "j", Kind: "describe", State: service.JobRunning}, nil
}

func (f *fakeBackend) Job(_ context.Context, id string) (service.Job, error) {
	return service.Job{ID: id, Kind: "describe", State: service.JobDone}, nil
}
