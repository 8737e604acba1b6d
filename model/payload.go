// Package model holds the Clustr delivery payload, its tolerant decoder, the
// warnings found while reading it and the rows derived from it. It imports
// nothing else of clustr-explorer.
package model

import (
	"encoding/json"
	"time"
)

// Payload is one webhook delivery as Clustr documents it. Fields that were
// missing or could not be read hold their zero value; what went wrong is
// listed in Warnings instead of failing the whole delivery.
type Payload struct {
	Status    string
	JobID     string
	BatchID   string
	Summary   Summary
	Results   []Result
	Custom    json.RawMessage // exactly as sent, nil when absent
	Error     *JobError
	Timestamp string
	Time      time.Time // Timestamp parsed; zero when absent or unreadable
	Warnings  []string
}

// Summary is the totals block as the sender claims them. Has is false when
// the payload carried no summary at all.
type Summary struct {
	Has                   bool    `json:"present"`
	TotalProcessed        int     `json:"total_processed"`
	TotalOpportunities    int     `json:"total_opportunities"`
	ProcessingTimeSeconds float64 `json:"processing_time_seconds"`
}

// JobError explains a failed job.
type JobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details string `json:"details,omitempty"`
}

// Result is one CRM contact and the introduction paths found for it.
type Result struct {
	Client        Client
	Opportunities []Opportunity // empty after DecodeClients
	Counts        Counts
}

// Counts sums up a client's opportunities, for lists of clients that need
// no opportunity itself.
type Counts struct {
	Opportunities int
	Targets       int
	HasScore      bool
	BestScore     float64
}

// Client is the CRM contact a result belongs to.
type Client struct {
	Name        string `json:"name"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	LinkedInURL string `json:"linkedin_url"`
	RecordID    string `json:"record_id"`
	OwnerEmail  string `json:"owner_email"`
	JobTitle    string `json:"job_title"`
	CompanyName string `json:"company_name"`
}

// Opportunity is one warm-introduction path from a client to a prospect.
type Opportunity struct {
	ID              string
	Prospect        Prospect
	Company         Company
	Relationship    Relationship
	IsTargetCompany bool
	Engagement      *Engagement // nil unless the job asked for full history
}

// Prospect is the person the client can be introduced to.
type Prospect struct {
	Name        string `json:"name"`
	LinkedInURL string `json:"linkedin_url"`
	JobTitle    string `json:"job_title"`
	CompanyName string `json:"company_name"`
}

// Company is the prospect's employer.
type Company struct {
	Name          string
	Domain        string
	Industry      string
	EmployeeCount string // a range such as "501-1000", or a number as text
}

// Relationship says how strong the path is.
type Relationship struct {
	HasScore           bool
	ConfidenceScore    float64
	TotalOverlapMonths int
	SharedExperience   SharedExperience
}

// SharedExperience is the employer client and prospect had in common.
type SharedExperience struct {
	CompanyName   string
	OverlapMonths int
	ClientRole    string
	ProspectRole  string
	IsCurrent     bool
}

// Engagement is the LinkedIn activity between client and prospect.
type Engagement struct {
	TotalEngagements   int
	LastEngagementDate string
	History            []Event
}

// Event is one engagement: a like, a comment, a recommendation.
type Event struct {
	Type   string    `json:"type"`
	Date   string    `json:"date"`
	Time   time.Time `json:"-"` // Date parsed; zero when unreadable
	Text   string    `json:"text,omitempty"`
	Link   string    `json:"link,omitempty"`
	Source string    `json:"source,omitempty"`
}

// Engagement types Clustr documents. Others are shown by name.
const (
	ProspectCommented   = "PROSPECT_COMMENTED"
	ProspectLiked       = "PROSPECT_LIKED"
	ProspectReacted     = "PROSPECT_REACTED"
	ProspectRecommended = "PROSPECT_RECOMMENDED"
	ClientCommented     = "CLIENT_COMMENTED"
	ClientLiked         = "CLIENT_LIKED"
	ClientRecommended   = "CLIENT_RECOMMENDED"
)
